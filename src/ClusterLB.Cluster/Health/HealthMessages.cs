using ClusterLB.Cluster.Serialization;
using ClusterLB.Core.Health;

namespace ClusterLB.Cluster.Health;

/// <summary>The replicated verdict on one destination, written only by its probing owner.</summary>
/// <param name="Verdict">Healthy, unhealthy or unknown.</param>
/// <param name="Owner">Address of the member that decided it.</param>
/// <param name="Sequence">Raised by one at each change, so nodes can compare what they have.</param>
/// <param name="Reason">Why, in a few words (last probe or traffic failure).</param>
/// <param name="Since">When the verdict was reached.</param>
public sealed record ReplicatedVerdict(HealthVerdict Verdict, string Owner, long Sequence, string Reason, DateTimeOffset Since) : IClusterLBMessage;

/// <summary>Real-traffic results for destinations a node does not own, sent to their owner.</summary>
/// <param name="Counts">Per destination key: failed and total requests in the last window.</param>
public sealed record PassiveReport(IReadOnlyDictionary<string, PassiveCount> Counts) : IClusterLBMessage;

/// <summary>Failed and total requests to one destination.</summary>
public sealed record PassiveCount(int Failed, int Total);

/// <summary>The key of a destination in health and affinity tables.</summary>
public static class DestinationKey
{
    /// <summary><c>cluster/destination</c>.</summary>
    public static string Of(string clusterId, string destinationId) => $"{clusterId}/{destinationId}";
}
