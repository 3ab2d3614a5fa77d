using ClusterLB.Core.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary><c>WeightedRoundRobin</c>: nginx's smooth weighted round robin over the available destinations, per node.</summary>
internal sealed class WeightedRoundRobinPolicy(DestinationWeights weights) : WeightedPolicy(weights)
{
    public override string Name => LoadBalancingPolicyNames.WeightedRoundRobin;

    protected override int Pick(
        HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available, ReadOnlySpan<int> indices, ReadOnlySpan<double> weights)
    {
        // A destination not in the configuration (a change under way) has no counter: it is left out.
        if (indices.Contains(-1))
        {
            return Math.Max(indices.IndexOfAnyExcept(-1), 0);
        }

        return balance.RoundRobin.Pick(indices, weights);
    }
}
