using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Routing;

/// <summary>What this node runs right now, read by status and readiness without locks.</summary>
public sealed class NodeState
{
    private volatile RoutingTable? _appliedTable;

    /// <summary>The routing table the proxy runs; null until the first one is applied.</summary>
    public RoutingTable? AppliedTable => _appliedTable;

    /// <summary>Records that the proxy now runs <paramref name="table"/>.</summary>
    public void Applied(RoutingTable table) => _appliedTable = table;
}
