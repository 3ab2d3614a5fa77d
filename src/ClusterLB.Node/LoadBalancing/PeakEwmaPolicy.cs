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
        return Load(balance, available[second], now) < Load(balance, available[first], now) ? available[second] : available[first];
    }

    protected override int Pick(
        HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available, ReadOnlySpan<int> indices, ReadOnlySpan<double> weights)
    {
        var (first, second) = WeightedChoice.DrawTwo(weights, Random.Shared);
        var now = Weights.Now;
        return WeightedChoice.IsLighter(Load(balance, available[second], now), weights[second], Load(balance, available[first], now), weights[first])
            ? second
            : first;
    }

    private static double Load(ClusterBalance balance, DestinationState destination, TimeSpan now) =>
        balance.IndexOf(destination) is var index and >= 0
            ? balance.Latencies[index].Load(destination.ConcurrentRequestCount, now)
            : destination.ConcurrentRequestCount;
}
