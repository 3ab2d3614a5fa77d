namespace ClusterLB.Core.LoadBalancing;

/// <summary>Names of ClusterLB's load-balancing policies (YARP's <c>LoadBalancingPolicy</c> field).</summary>
public static class LoadBalancingPolicyNames
{
    /// <summary>Smooth weighted round robin (nginx's algorithm).</summary>
    public const string WeightedRoundRobin = "WeightedRoundRobin";

    /// <summary>Two destinations drawn by weight; the one with fewer outstanding requests for its weight. Replaces YARP's.</summary>
    public const string PowerOfTwoChoices = "PowerOfTwoChoices";

    /// <summary>The destination with the fewest outstanding requests for its weight. Replaces YARP's.</summary>
    public const string LeastRequests = "LeastRequests";

    /// <summary>Peak-sensitive EWMA of latency times outstanding requests (Finagle, Linkerd), over two drawn by weight.</summary>
    public const string PeakEwma = "PeakEwma";

    /// <summary>A Maglev table over the destinations, keyed by a part of the request.</summary>
    public const string ConsistentHash = "ConsistentHash";
}
