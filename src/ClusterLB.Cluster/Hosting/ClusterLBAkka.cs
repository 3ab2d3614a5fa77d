using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Cluster.Routing;
using ClusterLB.Cluster.Serialization;

namespace ClusterLB.Cluster.Hosting;

/// <summary>Marker for the routing-table writer's singleton proxy in the actor registry.</summary>
public sealed class RoutingTableWriterProxy
{
}

/// <summary>Wires a ClusterLB node's actor system: remoting, clustering, replication, journal, actors.</summary>
public static class ClusterLBAkka
{
    /// <summary>The cluster role every balancer node has; singletons run on it.</summary>
    public const string BalancerRole = "balancer";

    /// <summary>
    /// Configures <paramref name="builder"/> for a ClusterLB node. The node's front end must be
    /// registered in DI as <see cref="IRoutingTableConsumer"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterLB(
        this AkkaConfigurationBuilder builder,
        ClusterSettings cluster,
        Journal journal,
        RoutingTableSeed seed)
    {
        var seeds = cluster.Seeds.Where(s => !string.IsNullOrWhiteSpace(s)).ToArray();
        return builder
            .ConfigureLoggers(loggers => loggers.AddLoggerFactory())
            .AddHocon(FailureDetection, HoconAddMode.Prepend)
            .WithRemoting(new RemoteOptions
            {
                HostName = cluster.Hostname,
                Port = cluster.Port,
                PublicHostName = string.IsNullOrWhiteSpace(cluster.PublicHostname) ? null : cluster.PublicHostname,
            })
            .WithClustering(new ClusterOptions
            {
                SeedNodes = seeds,
                Roles = [BalancerRole],
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .WithDistributedData(new DDataOptions { Role = BalancerRole })
            .WithSqlPersistence(journal.ConnectionString, journal.ProviderName, autoInitialize: true)
            .WithCustomSerializer("clusterlb", ClusterLBSerializer.BoundTypes, system => new ClusterLBSerializer(system))
            .WithSingleton<RoutingTableWriterProxy>(
                "routing-table-writer",
                RoutingTableWriter.Props(seed),
                new ClusterSingletonOptions { Role = BalancerRole },
                createProxyToo: true)
            .WithActors((system, registry, resolver) =>
            {
                var replica = system.ActorOf(RoutingTableReplica.Props(resolver.GetService<IRoutingTableConsumer>()), "routing-table-replica");
                registry.Register<RoutingTableReplica>(replica);
            })
            .AddStartup((system, _) =>
            {
                if (seeds.Length == 0)
                {
                    // No seeds configured: this node is a cluster of one, so it joins itself.
                    var self = Akka.Cluster.Cluster.Get(system);
                    self.Join(self.SelfAddress);
                }
            });
    }

    // Tuned for a LAN: a dead node is suspected within a few seconds, not the default ~10 s.
    private const string FailureDetection = """
        akka.cluster.failure-detector {
          heartbeat-interval = 1s
          acceptable-heartbeat-pause = 3s
          threshold = 8.0
        }
        akka.cluster.log-info-verbose = off
        """;
}
