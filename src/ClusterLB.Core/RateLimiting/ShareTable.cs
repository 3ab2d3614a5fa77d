using System.Collections.Frozen;

namespace ClusterLB.Core.RateLimiting;

/// <summary>
/// What one node knows of the other live nodes' demand, per rate-limited client key: the figures each
/// node turns into its own share (<see cref="DemandShare"/>). Immutable; the rebalancing publishes a new
/// one every interval, and the request path reads the latest to give a new key its first share.
/// </summary>
/// <param name="LiveNodes">Reachable, Up balancer nodes, this one included.</param>
/// <param name="Others">Demand of the other live nodes per key (requests per second), summed.</param>
/// <param name="Unreported">
/// Demand assumed from other nodes for a key they did not report: a node reports only its busiest keys,
/// so a key it left out may still have up to the smallest demand it reported.
/// </param>
public sealed record ShareTable(int LiveNodes, FrozenDictionary<ulong, double> Others, double Unreported)
{
    /// <summary>A node on its own: it admits the whole limit.</summary>
    public static ShareTable Alone { get; } = new(1, FrozenDictionary<ulong, double>.Empty, 0);

    /// <summary>This node's share of <paramref name="key"/>'s limit when its own demand is <paramref name="own"/>.</summary>
    public double ShareOf(ulong key, double own) =>
        DemandShare.Of(own, Others.TryGetValue(key, out var others) ? others : Unreported, LiveNodes);
}
