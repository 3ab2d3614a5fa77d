using ClusterLB.Core.LoadBalancing;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// <c>ConsistentHash</c>: the request's key (cluster metadata <c>ClusterLB.HashKey</c>) is looked up
/// in a Maglev table over the configured destinations, so every node sends a key to the same one;
/// when that one is unavailable the key goes to the best available one in its rendezvous ranking,
/// also the same on every node. A request without the key is balanced by weighted power of two choices.
/// </summary>
internal sealed class ConsistentHashPolicy(DestinationWeights weights) : ILoadBalancingPolicy
{
    private readonly WeightedPowerOfTwoChoicesPolicy _withoutKey = new(weights);

    public string Name => LoadBalancingPolicyNames.ConsistentHash;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        var balance = weights.Of(cluster.Model);
        if (count == 0 || balance.HashKey is not { } key || balance.Count == 0 || !RequestKeys.TryHash(context, key, out var hash))
        {
            return _withoutKey.PickDestination(context, cluster, availableDestinations);
        }

        Span<int> indices = count <= WeightedPolicy.StackLimit ? stackalloc int[count] : new int[count];
        balance.IndicesOf(cluster, availableDestinations, indices);
        var position = indices.IndexOf(balance.Maglev.Lookup(hash));
        if (position >= 0)
        {
            return availableDestinations[position];
        }

        // The key's destination is unavailable: the next in the key's ranking among those that are.
        Span<bool> available = balance.Count <= 1024 ? stackalloc bool[balance.Count] : new bool[balance.Count];
        foreach (var index in indices)
        {
            if (index >= 0)
            {
                available[index] = true;
            }
        }

        position = indices.IndexOf(ConsistentHashing.Pick(balance.Maglev, hash, balance.Hashes, available));
        return position >= 0 ? availableDestinations[position] : _withoutKey.PickDestination(context, cluster, availableDestinations);
    }
}
