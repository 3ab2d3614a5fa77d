using System.Collections.Immutable;
using Akka.Cluster;

namespace ClusterLB.Cluster.Membership;

/// <summary>
/// The members work can be given to: Up balancer nodes that this node can reach. An unreachable
/// member drops out at once, long before the split brain resolver downs it, so its work moves now.
/// </summary>
public static class BalancerMembers
{
    /// <summary>Addresses of the reachable Up balancer members, sorted.</summary>
    public static ImmutableArray<string> Reachable(ClusterEvent.CurrentClusterState state) =>
        state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(Hosting.ClusterLBAkka.BalancerRole) && !state.Unreachable.Contains(m))
            .Select(m => m.Address.ToString())
            .Order(StringComparer.Ordinal)
            .ToImmutableArray();
}
