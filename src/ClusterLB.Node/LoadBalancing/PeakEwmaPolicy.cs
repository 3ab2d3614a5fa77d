using ClusterLB.Core.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// <c>PeakEwma</c>: draws two destinations by weight and takes the one whose latency estimate times
/// (outstanding + 1), for its weight, is lower (Finagle's and Linkerd's balancer). Latencies are
/// measured from the request to the backend's response headers by <see cref="BackendLatencyTransforms"/>.
/// </summary>
internal sealed class PeakEwmaPolicy(DestinationWeights weights) : WeightedPolicy(weights)
{
    public override string Name => LoadBalancingPolicyNames.PeakEwma;

    protected override DestinationState? PickWithEqualWeights(HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available)
    {
        var (first, second) = WeightedChoice.DrawTwo(available.Count, Random.Shared);
        var now = Weights.Now;
        var (a, b) = (available[first], available[second]);
        return Load(balance, balance.IndexOf(b), b, now) < Load(balance, balance.IndexOf(a), a, now) ? b : a;
    }

    protected override int Pick(
        HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available, ReadOnlySpan<int> indices, ReadOnlySpan<double> weights)
    {
        var (first, second) = WeightedChoice.DrawTwo(weights, Random.Shared);
        var now = Weights.Now;
        return WeightedChoice.IsLighter(
            Load(balance, indices[second], available[second], now), weights[second], Load(balance, indices[first], available[first], now), weights[first])
            ? second
            : first;
    }

    private static double Load(ClusterBalance balance, int index, DestinationState destination, TimeSpan now) =>
        index >= 0 ? balance.Latencies[index].Load(destination.ConcurrentRequestCount, now) : destination.ConcurrentRequestCount;
}
