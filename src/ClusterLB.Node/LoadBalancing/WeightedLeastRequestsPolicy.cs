using ClusterLB.Core.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// <c>LeastRequests</c>, in place of YARP's: the destination with the fewest outstanding requests
/// for its weight. Without weights it is YARP's: the first with the fewest requests.
/// </summary>
internal sealed class WeightedLeastRequestsPolicy(DestinationWeights weights) : WeightedPolicy(weights)
{
    public override string Name => LoadBalancingPolicyNames.LeastRequests;

    protected override DestinationState? PickWithEqualWeights(HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available)
    {
        var best = available[0];
        for (var i = 1; i < available.Count; i++)
        {
            if (available[i].ConcurrentRequestCount < best.ConcurrentRequestCount)
            {
                best = available[i];
            }
        }

        return best;
    }

    protected override int Pick(
        HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available, ReadOnlySpan<int> indices, ReadOnlySpan<double> weights)
    {
        Span<int> outstanding = available.Count <= StackLimit ? stackalloc int[available.Count] : new int[available.Count];
        for (var i = 0; i < available.Count; i++)
        {
            outstanding[i] = available[i].ConcurrentRequestCount;
        }

        return WeightedChoice.Least(weights, outstanding);
    }
}
