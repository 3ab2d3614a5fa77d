using ClusterLB.Cluster.Serialization;
using ClusterLB.Core.Health;

namespace ClusterLB.Cluster.Health;

/// <summary>The replicated verdict on one destination, written only by its owner.</summary>
/// <param name="Verdict">Healthy, unhealthy or unknown.</param>
/// <param name="Owner">Address of the member that decided it.</param>
/// <param name="Sequence">Raised by one at each change, so nodes can compare what they have.</param>
/// <param name="Reason">Why, in a few words (last probe or traffic failure).</param>
/// <param name="Since">When the verdict was reached.</param>
/// <param name="EjectedUntil">When outlier detection ejected the destination: when it comes back.</param>
/// <param name="Ejections">Times ejected (decaying), so a new owner goes on with the same ejection lengths.</param>
public sealed record ReplicatedVerdict(
    HealthVerdict Verdict,
    string Owner,
    long Sequence,
    string Reason,
    DateTimeOffset Since,
    DateTimeOffset? EjectedUntil = null,
    int Ejections = 0) : IClusterLBMessage;

/// <summary>Real-traffic results for destinations a node does not own, sent to their owner each report window.</summary>
/// <param name="Counts">Per destination key: failed and total requests, and failures since the last success.</param>
public sealed record PassiveReport(IReadOnlyDictionary<string, PassiveCount> Counts) : IClusterLBMessage;
