using System.Collections.Immutable;
using Akka.Cluster;

namespace ClusterLB.Cluster.Membership;

/// <summary>
/// The members work can be given to: Up balancer nodes that this node can reach. An unreachable
/// member drops out at once, long before the split brain resolver downs it, so its work moves now.
/// Kept from the cluster events an actor receives (Cluster.State may lag behind them).
/// </summary>
public sealed class BalancerMembers
{
    private readonly Dictionary<UniqueAddress, Member> _up = [];
    private readonly HashSet<UniqueAddress> _unreachable = [];

    /// <summary>Addresses of the reachable Up balancer members, sorted.</summary>
    public ImmutableArray<string> Reachable { get; private set; } = [];

    /// <summary>Addresses of the reachable Up balancer members in <paramref name="state"/>, sorted.</summary>
    public static ImmutableArray<string> ReachableIn(ClusterEvent.CurrentClusterState state) =>
        state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(Hosting.ClusterLBAkka.BalancerRole) && !state.Unreachable.Contains(m))
            .Select(m => m.Address.ToString())
            .Order(StringComparer.Ordinal)
            .ToImmutableArray();

    /// <summary>Takes in a snapshot or an event; true when the reachable set changed.</summary>
    public bool Apply(object clusterEvent)
    {
        switch (clusterEvent)
        {
            case ClusterEvent.CurrentClusterState state:
                _up.Clear();
                _unreachable.Clear();
                foreach (var member in state.Members.Where(m => m.Status == MemberStatus.Up))
                {
                    _up[member.UniqueAddress] = member;
                }

                _unreachable.UnionWith(state.Unreachable.Select(m => m.UniqueAddress));
                break;
            case ClusterEvent.MemberUp up:
                _up[up.Member.UniqueAddress] = up.Member;
                break;
            case ClusterEvent.MemberStatusChange change when change.Member.Status != MemberStatus.Up:
                _up.Remove(change.Member.UniqueAddress);
                break;
            case ClusterEvent.MemberRemoved removed:
                _up.Remove(removed.Member.UniqueAddress);
                _unreachable.Remove(removed.Member.UniqueAddress);
                break;
            case ClusterEvent.UnreachableMember unreachable:
                _unreachable.Add(unreachable.Member.UniqueAddress);
                break;
            case ClusterEvent.ReachableMember reachable:
                _unreachable.Remove(reachable.Member.UniqueAddress);
                break;
            default:
                return false;
        }

        var now = _up.Values
            .Where(m => m.HasRole(Hosting.ClusterLBAkka.BalancerRole) && !_unreachable.Contains(m.UniqueAddress))
            .Select(m => m.Address.ToString())
            .Order(StringComparer.Ordinal)
            .ToImmutableArray();
        var changed = !now.SequenceEqual(Reachable);
        Reachable = now;
        return changed;
    }
}
