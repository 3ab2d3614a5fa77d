using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Node.Routing;

/// <summary>
/// Hands each routing table this node receives to YARP. YARP swaps its immutable route and cluster
/// snapshots, so requests in flight keep the table they started with and none waits on the swap.
/// </summary>
internal sealed partial class RoutingTableApplier(InMemoryConfigProvider yarp, NodeState state, ILogger<RoutingTableApplier> logger)
    : IRoutingTableConsumer
{
    public void Apply(RoutingTable table)
    {
        var (routes, clusters) = YarpConfigMapper.Map(table);
        yarp.Update(routes, clusters);
        state.Applied(table);
        Log.Applied(logger, table.Version, table.Routes.Count, table.Clusters.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Proxy now runs routing table v{Version} ({Routes} routes, {Clusters} clusters)")]
        public static partial void Applied(ILogger logger, long version, int routes, int clusters);
    }
}
