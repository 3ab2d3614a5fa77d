using Akka.Actor;
using Akka.Cluster;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>A node's own view of itself, as served on <c>/admin/status</c>.</summary>
public sealed record NodeStatus(
    string Node,
    string ClusterName,
    string Address,
    string MemberStatus,
    IReadOnlyList<string> Roles,
    bool IsLeader,
    bool HostsRoutingTableWriter,
    RoutingTableStatus? RoutingTable,
    string Journal,
    bool Ready)
{
    /// <summary>Reads the status of the node running <paramref name="system"/>.</summary>
    public static NodeStatus Of(string node, ActorSystem system, NodeState state, string journal)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var self = cluster.SelfMember;
        var writerHost = cluster.State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(ClusterLBAkka.BalancerRole))
            .OrderBy(m => m, Member.AgeOrdering)
            .FirstOrDefault();
        var table = state.AppliedTable;
        var up = self.Status == Akka.Cluster.MemberStatus.Up;
        return new NodeStatus(
            node,
            system.Name,
            cluster.SelfAddress.ToString(),
            self.Status.ToString(),
            self.Roles.Order().ToList(),
            cluster.State.Leader == cluster.SelfAddress,
            writerHost?.Address == cluster.SelfAddress,
            table is null ? null : new RoutingTableStatus(table.Version, table.Routes.Count, table.Clusters.Count),
            journal,
            Ready: up && table is not null);
    }

    /// <summary>Why the node is not ready, or null when it is.</summary>
    public string? NotReadyBecause =>
        MemberStatus != nameof(Akka.Cluster.MemberStatus.Up) ? $"cluster member status is {MemberStatus}, not Up"
        : RoutingTable is null ? "no routing table applied yet"
        : null;
}

/// <summary>The routing table a node runs.</summary>
public sealed record RoutingTableStatus(long Version, int Routes, int Clusters);
