using Akka.DistributedData;
using ClusterLB.Cluster.Serialization;

namespace ClusterLB.Cluster.Membership;

/// <summary>What a node says about itself to the others, for the cluster view.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="TableVersion">Routing-table version the node's proxy runs.</param>
/// <param name="VerdictVersion">Sum of the sequences of the verdicts it applied: equal on nodes that agree.</param>
/// <param name="Requests">Requests proxied since the node started.</param>
/// <param name="ProxyErrors">Requests the proxy answered with its own 502/503/504.</param>
/// <param name="Overrides">Affinity overrides the node holds.</param>
/// <param name="At">When the report was made.</param>
public sealed record MemberReport(string Node, long TableVersion, long VerdictVersion, long Requests, long ProxyErrors, int Overrides, DateTimeOffset At) : IClusterLBMessage;

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
