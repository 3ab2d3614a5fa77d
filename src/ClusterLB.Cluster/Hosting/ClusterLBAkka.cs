using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Cluster.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using ClusterLB.Cluster.Routing;
using ClusterLB.Cluster.Security;
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
    /// Configures <paramref name="builder"/> for a ClusterLB node. The node's front end registers in
    /// <paramref name="services"/> what the actors hand their results to: <see cref="IRoutingTableConsumer"/>,
    /// <see cref="IHealthVerdictConsumer"/>, <see cref="IMemberReportSource"/>, and the shared
    /// <see cref="PassiveHealthCounters"/>, <see cref="AffinityOverrides"/>, <see cref="HealthSettings"/>,
    /// <see cref="AffinitySettings"/> and <see cref="IRoutingTableValidator"/>, and an <see cref="IHttpClientFactory"/>
    /// with the health probes' client (<see cref="HealthMonitor.ProbeClientName"/>).
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterLB(
        this AkkaConfigurationBuilder builder,
        ClusterSettings cluster,
        Journal journal,
        RoutingTableSeed seed,
        IServiceProvider services)
    {
        var seeds = SeedAddresses(cluster);
        return builder
            .ConfigureLoggers(loggers => loggers.ClearLoggers().AddLogger<ClusterLBAkkaLogger>())
            .AddHocon(FailureDetection, HoconAddMode.Prepend)
            .AddHocon(UnboundTypeSerializer.Hocon, HoconAddMode.Prepend)
            .WithRemoting(Remoting(cluster))
            .WithClustering(new ClusterOptions
            {
                SeedNodes = seeds,
                Roles = [BalancerRole],
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .WithDistributedData(new DDataOptions { Role = BalancerRole })
            .WithSqlPersistence(journal.ConnectionString, journal.ProviderName, autoInitialize: true)
            .WithCustomSerializer("clusterlb", ClusterLBSerializer.BoundTypes, system => new ClusterLBSerializer(system))
            .WithCustomSerializer("clusterlb-overrides", [typeof(OverrideShard)], system => new OverrideShardSerializer(system))
            .AddHocon(JournalBreakers, HoconAddMode.Prepend)
            .WithSingleton<RoutingTableWriterProxy>(
                "routing-table-writer",
                RoutingTableWriterSupervisor.Props(
                    supervisor => RoutingTableWriter.Props(
                        seed, services.GetRequiredService<IRoutingTableValidator>(), journal.SnapshotEvery, supervisor, services.GetService<TimeProvider>()),
                    time: services.GetService<TimeProvider>()),
                new ClusterSingletonOptions { Role = BalancerRole },
                createProxyToo: true)
            .WithActors((system, registry, _) =>
            {
                registry.Register<RoutingTableReplica>(system.ActorOf(
                    RoutingTableReplica.Props(services.GetRequiredService<IRoutingTableConsumer>()), "routing-table-replica"));
                var probeClients = services.GetRequiredService<IHttpClientFactory>();
                registry.Register<HealthMonitor>(system.ActorOf(
                    HealthMonitor.Props(
                        services.GetRequiredService<IHealthVerdictConsumer>(),
                        services.GetRequiredService<PassiveHealthCounters>(),
                        services.GetRequiredService<HealthSettings>(),
                        () => probeClients.CreateClient(HealthMonitor.ProbeClientName),
                        services.GetService<TimeProvider>() ?? TimeProvider.System,
                        services.GetService<HealthObservations>()),
                    HealthMonitor.Name));
                registry.Register<AffinityReplicator>(system.ActorOf(
                    AffinityReplicator.Props(
                        AffinityReplication.StartReplicator(system),
                        services.GetRequiredService<AffinityOverrides>(),
                        services.GetRequiredService<AffinitySettings>()),
                    "affinity-replicator"));
                registry.Register<MemberReporter>(system.ActorOf(
                    MemberReporter.Props(services.GetRequiredService<IMemberReportSource>(), seeds), "member-reporter"));
                if (services.GetService<IRateLimitDemand>() is { } rateLimitDemand)
                {
                    registry.Register<RateLimitShareExchange>(system.ActorOf(RateLimitShareExchange.Props(rateLimitDemand), RateLimitShareExchange.Name));
                }
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

    /// <summary>
    /// The configured seeds, in the scheme of this node's transport: <c>akka.ssl.tcp</c> over TLS, <c>akka.tcp</c>
    /// without. Either may be configured; all nodes of a cluster run the same transport.
    /// </summary>
    public static string[] SeedAddresses(ClusterSettings cluster)
    {
        var scheme = ClusterTls.IsEnabled(cluster) ? "akka.ssl.tcp" : "akka.tcp";
        return cluster.Seeds
            .Where(s => !string.IsNullOrWhiteSpace(s))
            .Select(s => s.IndexOf("://", StringComparison.Ordinal) is var at and > 0 ? scheme + s[at..] : s)
            .ToArray();
    }

    /// <summary>
    /// Remoting for <paramref name="cluster"/>: over mutual TLS when configured, where each side presents its
    /// node certificate and accepts only a peer whose certificate chains to the cluster's CA.
    /// </summary>
    public static RemoteOptions Remoting(ClusterSettings cluster)
    {
        var remote = new RemoteOptions
        {
            HostName = cluster.Hostname,
            Port = cluster.Port,
            PublicHostName = string.IsNullOrWhiteSpace(cluster.PublicHostname) ? null : cluster.PublicHostname,
        };
        if (ClusterTls.IsEnabled(cluster))
        {
            var certificates = ClusterTls.Load(cluster.Tls);
            remote.EnableSsl = true;
            remote.Ssl = new SslOptions
            {
                X509Certificate = certificates.Node,
                SuppressValidation = false,
                RequireMutualAuthentication = true,
                // Identity is the chain to the cluster's CA, not the address a peer is dialled at (an IP, a
                // container name, a NAT address); the validator below decides.
                ValidateCertificateHostname = false,
                CustomValidator = ClusterCaValidation.Callback(certificates.Authorities),
            };
        }
        else
        {
            remote.EnableSsl = false;
        }

        return remote;
    }

    // The writer's backoff supervisor already spaces the attempts after a journal failure. The plugins'
    // own circuit breakers would add up to 30 s (journal) and 60 s (snapshot store) of refusing after
    // the database is back, so they reopen after 2 s.
    private const string JournalBreakers = """
        akka.persistence.journal.sql.circuit-breaker.reset-timeout = 2s
        akka.persistence.snapshot-store.sql.circuit-breaker.reset-timeout = 2s
        """;

    // Tuned for a LAN: a dead node is suspected within a few seconds, not the default ~10 s, and
    // replicated state reaches subscribers within a fraction of a second.
    private const string FailureDetection = """
        akka.cluster.failure-detector {
          heartbeat-interval = 1s
          acceptable-heartbeat-pause = 3s
          threshold = 8.0
        }
        # Keep-majority decides 5 s after the membership settles; the removed node's singletons
        # (the routing-table writer) start elsewhere 3 s after that.
        akka.cluster.split-brain-resolver.stable-after = 5s
        akka.cluster.down-removal-margin = 3s
        # Gossip carries up to max-delta-elements whole keys in one message. The frame is raised
        # from 128 kB for large routing tables (a 1,000-destination cluster with health checks).
        # The affinity override table has a replicator of its own (AffinityReplication).
        # Changes reach every node by direct writes and deltas, not by gossip; gossip only repairs
        # what a lost message left behind, so it runs every 2 s (500 ms cost an idle node about
        # a percent of a core; docs/benchmarks.md, Idle cost).
        akka.cluster.distributed-data {
          gossip-interval = 2s
          notify-subscribers-interval = 100ms
          max-delta-elements = 20
        }
        akka.remote.dot-netty.tcp.maximum-frame-size = 4000000b
        # Batching flushes every connection on a 40 ms timer, busy or not; the cluster's few messages
        # a second go out at once instead.
        akka.remote.dot-netty.tcp.batching.enabled = false
        # Each node sends over the connection it opened itself, never over one a peer opened to it: a
        # node that cannot be reached on its remoting port is then unreachable to the others (and they
        # to it), as in a real partition, instead of being heard over its own outbound connections.
        akka.remote.use-passive-connections = off
        akka.cluster.log-info-verbose = off
        # The scheduler's wheel turns every tick whether or not a timer is due: at the default 10 ms an
        # idle node woke a hundred times a second for it. Every timer here is 100 ms or longer.
        akka.scheduler.tick-duration = 50ms
        # Akka.Cluster.Tools 1.5.73's singleton proxy logs "failed to find ... after 30 seconds" at once
        # on every start (its timeout timer has no initial delay). A writer that cannot be reached
        # shows instead in /admin/status and as a 503 naming it on every change.
        akka.cluster.singleton-proxy.log-singleton-identification-failure = off
        # The host owns shutdown: on SIGTERM it stops accepting and drains first, then stops the
        # actor system, which leaves the cluster. Akka must not start leaving on its own at SIGTERM.
        akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
        """;
}
