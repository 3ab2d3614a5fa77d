using System.Collections.Frozen;
using ClusterLB.Core.LoadBalancing;

namespace ClusterLB.Core.Routing;

/// <summary>
/// Policy names a routing table may use, per kind. The defaults are the policies the node registers
/// (YARP's built-in ones); a table naming anything else is rejected before it is persisted.
/// </summary>
public sealed record KnownPolicies
{
    private static FrozenSet<string> Set(params string[] names) => names.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The policies a ClusterLB node provides.</summary>
    public static KnownPolicies Default { get; } = new();

    /// <summary>
    /// Load-balancing policies. YARP's <c>FirstAlphabetical</c>, <c>Random</c> and <c>RoundRobin</c>;
    /// ClusterLB's weighted <c>PowerOfTwoChoices</c> and <c>LeastRequests</c> in place of YARP's (the
    /// same picks when no destination has a weight); <c>WeightedRoundRobin</c> (nginx's smooth
    /// weighted round robin); <c>PeakEwma</c> (latency-aware, Finagle's and Linkerd's); and
    /// <c>ConsistentHash</c> (a Maglev table keyed by the cluster's <c>ClusterLB.HashKey</c>). Weights
    /// (destination metadata <c>ClusterLB.Weight</c>) and slow start (<c>ClusterLB.SlowStart</c>) apply
    /// to every ClusterLB policy that draws or compares (see <see cref="LoadBalancing.LoadBalancingMetadata"/>).
    /// </summary>
    public FrozenSet<string> LoadBalancing { get; init; } = Set(
        LoadBalancingPolicyNames.PowerOfTwoChoices, "FirstAlphabetical", "Random", "RoundRobin", LoadBalancingPolicyNames.LeastRequests,
        LoadBalancingPolicyNames.WeightedRoundRobin, LoadBalancingPolicyNames.PeakEwma, LoadBalancingPolicyNames.ConsistentHash);

    /// <summary>
    /// Session-affinity policies. Client-carried: <c>HashCookie</c>, <c>ArrCookie</c> (a hash of the
    /// destination id, which every node reads the same way). Key-based: <c>KeyedHeader</c>,
    /// <c>KeyedCookie</c>, <c>KeyedQuery</c>, <c>KeyedClientIp</c>. YARP's <c>Cookie</c> and
    /// <c>CustomHeader</c> are not offered: they encrypt with a per-node key, so another node could not read them.
    /// </summary>
    public FrozenSet<string> SessionAffinity { get; init; } =
        Set("HashCookie", "ArrCookie", "KeyedHeader", "KeyedCookie", "KeyedQuery", "KeyedClientIp");

    /// <summary>
    /// YARP's affinity policies that only the node that set them can read, each with the policy that
    /// replaces it in a cluster.
    /// </summary>
    public static FrozenDictionary<string, string> NodeLocalAffinity { get; } = new Dictionary<string, string>
    {
        ["Cookie"] = "HashCookie",
        ["CustomHeader"] = "KeyedHeader",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>What to do when an affinitized destination is unavailable.</summary>
    public FrozenSet<string> AffinityFailure { get; init; } = Set("Redistribute", "Return503Error");

    /// <summary>Active health-check policies.</summary>
    public FrozenSet<string> ActiveHealth { get; init; } = Set("ConsecutiveFailures");

    /// <summary>
    /// Passive health-check policies. Both names select ClusterLB's outlier detection (cluster
    /// metadata <c>ClusterLB.Outlier.*</c>); YARP's <c>TransportFailureRate</c> stays accepted.
    /// </summary>
    public FrozenSet<string> PassiveHealth { get; init; } = Set("TransportFailureRate", "OutlierDetection");

    /// <summary>Available-destinations policies.</summary>
    public FrozenSet<string> AvailableDestinations { get; init; } = Set("HealthyAndUnknown", "HealthyOrPanic");

    /// <summary>
    /// How key-based affinity finds a key's home (cluster metadata <c>ClusterLB.KeyHashing</c>):
    /// <c>Rendezvous</c> (the default; scores every destination, moves only the keys of a removed
    /// one) or <c>Maglev</c> (one table read whatever the number of destinations).
    /// </summary>
    public FrozenSet<string> KeyHashing { get; init; } = Set(KeyHashingAlgorithms.Rendezvous, KeyHashingAlgorithms.Maglev);
}

/// <summary>Names of the key-hashing algorithms of key-based affinity.</summary>
public static class KeyHashingAlgorithms
{
    /// <summary>The cluster metadata key that selects the algorithm.</summary>
    public const string MetadataKey = "ClusterLB.KeyHashing";

    /// <summary>Rendezvous (highest random weight) hashing.</summary>
    public const string Rendezvous = "Rendezvous";

    /// <summary>Maglev table hashing.</summary>
    public const string Maglev = "Maglev";
}
