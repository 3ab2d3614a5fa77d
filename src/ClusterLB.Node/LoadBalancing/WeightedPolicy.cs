using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// The frame of ClusterLB's load-balancing policies: no destination or one is answered at once, a
/// cluster without weights or slow start may be answered by <see cref="PickWithEqualWeights"/>, and
/// otherwise the policy picks by the destinations' weights now (<see cref="DestinationWeights"/>).
/// The weights live on the stack: a pick allocates nothing up to <see cref="StackLimit"/> destinations.
/// </summary>
internal abstract class WeightedPolicy(DestinationWeights weights) : ILoadBalancingPolicy
{
    /// <summary>The most available destinations whose weights a pick keeps on the stack.</summary>
    public const int StackLimit = 128;

    public abstract string Name { get; }

    protected DestinationWeights Weights => weights;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count <= 1)
        {
            return count == 0 ? null : availableDestinations[0];
        }

        var balance = weights.Of(cluster.Model);
        if (balance.EqualWeights && PickWithEqualWeights(context, cluster, balance, availableDestinations) is { } quick)
        {
            return quick;
        }

        Span<int> indices = count <= StackLimit ? stackalloc int[count] : new int[count];
        Span<double> destinationWeights = count <= StackLimit ? stackalloc double[count] : new double[count];
        weights.Fill(cluster, balance, availableDestinations, indices, destinationWeights);
        return availableDestinations[Pick(context, cluster, balance, availableDestinations, indices, destinationWeights)];
    }

    /// <summary>A pick when every destination weighs the same, or null to pick by weight.</summary>
    protected virtual DestinationState? PickWithEqualWeights(HttpContext context, ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> available) => null;

    /// <summary>
    /// The position in <paramref name="available"/> to send the request to, given each destination's
    /// configured index (-1 when not configured) and weight now.
    /// </summary>
    protected abstract int Pick(
        HttpContext context,
        ClusterState cluster,
        ClusterBalance balance,
        IReadOnlyList<DestinationState> available,
        ReadOnlySpan<int> indices,
        ReadOnlySpan<double> weights);
}
