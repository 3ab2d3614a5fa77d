using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Membership;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>This node's report for the cluster view, read from its state.</summary>
internal sealed class NodeReportSource(NodeOptions options, NodeState state, AffinityOverrides overrides) : IMemberReportSource
{
    public MemberReport Current() => new(
        options.EffectiveNodeName,
        state.AppliedTable?.Version ?? -1,
        state.VerdictVersion,
        state.Requests,
        state.ProxyErrors,
        overrides.Count,
        DateTimeOffset.UtcNow);
}
