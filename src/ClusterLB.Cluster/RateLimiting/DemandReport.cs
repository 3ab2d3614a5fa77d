using ClusterLB.Cluster.Serialization;

namespace ClusterLB.Cluster.RateLimiting;

/// <summary>
/// What a node's proxy hands the rate-limit rebalancing, and takes back from it. Implemented by the node.
/// </summary>
public interface IRateLimitDemand
{
    /// <summary>
    /// Demand per rate-limited key (a stable hash of route, policy and client key) since the last call,
    /// in requests per second; keys without requests are left out.
    /// </summary>
    IReadOnlyDictionary<ulong, double> TakeDemand();

    /// <summary>Gives every key its new share from <paramref name="shares"/>.</summary>
    void Rebalance(Core.RateLimiting.ShareTable shares);
}

/// <summary>
/// One node's demand for its busiest rate-limited keys in the last interval, sent to every other live node.
/// </summary>
/// <param name="From">Address of the sending node.</param>
/// <param name="Keys">Keys, as stable hashes of route, policy and client key.</param>
/// <param name="Demands">Requests per second of each of <paramref name="Keys"/>.</param>
/// <param name="Unreported">The smallest demand reported when keys were left out for size; 0 when none were.</param>
internal sealed record DemandReport(string From, ulong[] Keys, double[] Demands, double Unreported) : IClusterLBMessage;
