using Akka.DistributedData;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Serialization;
using ClusterLB.Core.Observability;

namespace ClusterLB.Cluster.Membership;

/// <summary>What a node says about itself to the others, for the cluster view and <c>/admin/observe</c>.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="TableVersion">Routing-table version the node's proxy runs.</param>
/// <param name="VerdictVersion">Sum of the sequences of the verdicts it applied: equal on nodes that agree.</param>
/// <param name="Requests">Requests proxied since the node started.</param>
/// <param name="ProxyErrors">Requests the proxy answered with its own 502/503/504.</param>
/// <param name="Overrides">Affinity overrides the node holds.</param>
/// <param name="At">When the report was made.</param>
public sealed record MemberReport(string Node, long TableVersion, long VerdictVersion, long Requests, long ProxyErrors, int Overrides, DateTimeOffset At) : IClusterLBMessage
{
    /// <summary>Seconds the traffic summaries cover (the last complete ones); 0 from nodes that do not report traffic.</summary>
    public int WindowSeconds { get; init; }

    /// <summary>Every request this node proxied in the window; null from nodes that do not report traffic.</summary>
    public TrafficSummary? Traffic { get; init; }

    /// <summary>Per destination with requests in the window: its share of <see cref="Traffic"/>. Idle destinations are left out.</summary>
    public IReadOnlyList<DestinationTraffic> Destinations { get; init; } = [];

    /// <summary>Process CPU time over wall time since the last report, in percent of one core.</summary>
    public double? CpuPercent { get; init; }

    /// <summary>The process's resident memory (working set), in MB.</summary>
    public double? MemoryMb { get; init; }

    /// <summary>
    /// Seconds from the writer's acceptance of the routing-table version this node runs (the event's
    /// time) until this node applied it; null before a table from the cluster was applied.
    /// </summary>
    public double? ReplicationLagSeconds { get; init; }

    /// <summary>
    /// For the destinations this node probes as their owner: its recent probes and the passive counts
    /// it judged; at most <see cref="MaxOwned"/> of them, failing ones first (<see cref="HealthObservations.MostTelling"/>).
    /// </summary>
    public IReadOnlyList<OwnedDestinationHealth> Owned { get; init; } = [];

    /// <summary>The most owned destinations one report carries.</summary>
    public const int MaxOwned = 256;
}

/// <summary>One destination's requests through one node in the report's window.</summary>
/// <param name="Cluster">The cluster's id.</param>
/// <param name="Destination">The destination's id.</param>
/// <param name="Requests">Requests that finished in the window.</param>
/// <param name="Errors">Of those, the failed ones.</param>
/// <param name="Latency">Their latencies.</param>
public sealed record DestinationTraffic(string Cluster, string Destination, long Requests, long Errors, LatencyHistogram Latency)
{
    /// <summary>The same numbers as a summary, to merge with other nodes'.</summary>
    public TrafficSummary Summary => new(Requests, Errors, Latency);
}

/// <summary>Supplies this node's report. Implemented by the proxy front end.</summary>
public interface IMemberReportSource
{
    /// <summary>The report as of now. Must not block.</summary>
    MemberReport Current();
}

/// <summary>Where member reports live in Distributed Data: one map of member address to report.</summary>
public static class MemberReports
{
    /// <summary>The Distributed Data key of the reports.</summary>
    public static LWWDictionaryKey<string, MemberReport> Key { get; } = new("clusterlb-members");
}
