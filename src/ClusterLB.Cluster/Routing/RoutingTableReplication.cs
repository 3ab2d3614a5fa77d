using Akka.Cluster;
using Akka.DistributedData;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Routing;

/// <summary>
/// Where the routing table lives in Distributed Data: one last-writer-wins register whose clock is
/// the table version, so a newer table always wins and every node converges on it. Written to every
/// reachable node at once; the journal, not Distributed Data, is what makes a change durable.
/// </summary>
public static class RoutingTableReplication
{
    /// <summary>The Distributed Data key of the published table.</summary>
    public static LWWRegisterKey<RoutingTable> Key { get; } = new("clusterlb-routing-table");

    /// <summary>How long a publish waits for every node before it counts as not confirmed (it still spreads by gossip).</summary>
    public static TimeSpan WriteTimeout { get; } = TimeSpan.FromSeconds(3);

    /// <summary>The update that publishes <paramref name="table"/>.</summary>
    public static Update Publish(UniqueAddress self, RoutingTable table) =>
        Dsl.Update(
            Key,
            new LWWRegister<RoutingTable>(self, RoutingTable.Empty, 0),
            new WriteAll(WriteTimeout),
            register => register.WithValue(self, table, (_, value) => value.Version));
}
