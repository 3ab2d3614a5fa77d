using ClusterLB.Core.Routing;

using ClusterLB.Cluster.Serialization;

namespace ClusterLB.Cluster.Routing;

/// <summary>Replace the whole routing table with <paramref name="Table"/>'s routes and clusters.</summary>
public sealed record ImportRoutingTable(RoutingTable Table, string Source) : IClusterLBMessage;

/// <summary>Ask the writer for the table it holds.</summary>
public sealed record GetRoutingTable : IClusterLBMessage
{
    /// <summary>The one instance.</summary>
    public static GetRoutingTable Instance { get; } = new();
}

/// <summary>A change was validated, persisted and published; the table now has <paramref name="Version"/>.</summary>
public sealed record RoutingTableChangeAccepted(long Version) : IClusterLBMessage;

/// <summary>A change was refused; nothing was persisted.</summary>
public sealed record RoutingTableChangeRejected(IReadOnlyList<ValidationError> Errors) : IClusterLBMessage;
