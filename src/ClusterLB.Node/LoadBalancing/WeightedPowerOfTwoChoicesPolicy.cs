using ClusterLB.Core.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// <c>PowerOfTwoChoices</c>, in place of YARP's: draws two destinations in proportion to their
/// weights and takes the one with fewer outstanding requests for its weight. Without weights it
/// is YARP's: two drawn uniformly, the first unless the second has fewer requests.
/// </summary>
internal sealed class WeightedPowerOfTwoChoicesPolicy(DestinationWeights weights) : WeightedPolicy(weights)
{
    public override string Name => LoadBalancingPolicyNames.PowerOfTwoChoices;

    protected override DestinationState? PickWithEqualWeights(HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available)
    {
        var (first, second) = WeightedChoice.DrawTwo(available.Count, Random.Shared);
        return available[first].ConcurrentRequestCount <= available[second].ConcurrentRequestCount ? available[first] : available[second];
    }

    protected override int Pick(
        HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available, ReadOnlySpan<int> indices, ReadOnlySpan<double> weights)
    {
        var (first, second) = WeightedChoice.DrawTwo(weights, Random.Shared);
        return WeightedChoice.IsLighter(
            available[second].ConcurrentRequestCount + 1, weights[second], available[first].ConcurrentRequestCount + 1, weights[first])
            ? second
            : first;
    }
}
