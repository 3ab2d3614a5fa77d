using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Health;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Node.Routing;

/// <summary>
/// Hands each routing table this node receives to YARP. YARP swaps its immutable route and cluster
/// snapshots, so requests in flight keep the table they started with and none waits on the swap.
/// Also keeps the table in the local file, and, on the first table from the cluster, compares it
/// with this node's configured section.
/// </summary>
internal sealed partial class RoutingTableApplier(
    InMemoryConfigProvider yarp,
    NodeState state,
    HealthVerdictApplier verdicts,
    LastTableFile lastTable,
    NodeConfiguration configuration,
    IEnumerable<IAppliedTableObserver> observers,
    IServiceProvider services,
    ILogger<RoutingTableApplier> logger) : IRoutingTableConsumer
{
    private int _reconciled;

    public void Apply(RoutingTable table)
    {
        Run(table, TableSource.Cluster);
        try
        {
            lastTable.Save(table);
        }
        catch (IOException e)
        {
            Log.LastTableNotSaved(logger, lastTable.Path, e.Message);
        }

        if (Interlocked.Exchange(ref _reconciled, 1) == 0)
        {
            ReconcileWithConfiguration(table);
        }
    }

    /// <summary>Serves the table saved by the last run, until the cluster's arrives.</summary>
    public void ApplyLastSaved()
    {
        if (lastTable.TryLoad() is { } saved && state.AppliedTable is null)
        {
            Run(saved, TableSource.LocalFile);
            Log.ServingLastSaved(logger, saved.Version, lastTable.Path);
        }
    }

    private void Run(RoutingTable table, TableSource source)
    {
        var (routes, clusters) = YarpConfigMapper.Map(table);
        foreach (var observer in observers)
        {
            observer.Applying(table); // before YARP routes by the new table, so policies are there for its first request
        }

        yarp.Update(routes, clusters);
        state.TableApplied(table, source);
        verdicts.ApplyToProxy();
        Log.Applied(logger, table.Version, table.Routes.Count, table.Clusters.Count);
    }

    private void ReconcileWithConfiguration(RoutingTable table)
    {
        var configured = configuration.ConfiguredTable;
        if (configured.HasSameContentAs(table) || (configured.Routes.Count == 0 && configured.Clusters.Count == 0))
        {
            return;
        }

        if (configuration.Options.ImportReverseProxyOnStart)
        {
            Log.Importing(logger, table.Version);
            var writer = services.GetRequiredService<ActorRegistry>().Get<RoutingTableWriterProxy>();
            writer.Tell(new ImportRoutingTable(configured, $"the {ReverseProxySection.Name} section of node {configuration.Options.EffectiveNodeName}")
            {
                By = RoutingTableWriter.ConfigurationAuthor,
            });
            return;
        }

        Log.Differs(logger, ReverseProxySection.Name, table.Version, RoutingTableSeed.ImportSettingName);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Proxy now runs routing table v{Version} ({Routes} routes, {Clusters} clusters)")]
        public static partial void Applied(ILogger logger, long version, int routes, int clusters);

        [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "The {Section} configuration section differs from the cluster's routing table v{Version}; the cluster's table is used. To import the section, start once with {Setting}=true")]
        public static partial void Differs(ILogger logger, string section, long version, string setting);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Importing the configured section over routing table v{Version}, as asked")]
        public static partial void Importing(ILogger logger, long version);

        [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Serving the last routing table this node applied (v{Version}, from {Path}) until the cluster's arrives")]
        public static partial void ServingLastSaved(ILogger logger, long version, string path);

        [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Could not save the routing table to {Path}: {Reason}")]
        public static partial void LastTableNotSaved(ILogger logger, string path, string reason);
    }
}
