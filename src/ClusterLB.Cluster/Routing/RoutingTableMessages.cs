using ClusterLB.Cluster.Serialization;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Routing;

/// <summary>A change asked of the routing-table writer. Answered with accepted or rejected.</summary>
public interface IRoutingTableCommand : IClusterLBMessage
{
    /// <summary>The name of the admin token asking; kept in the event, shown in the history.</summary>
    string? By { get; }

    /// <summary>
    /// The version the change was based on (HTTP <c>If-Match</c>): when the table has moved on, the writer
    /// refuses the change with <see cref="RejectionReason.VersionMismatch"/>. Null: no condition.
    /// </summary>
    long? IfVersion { get; }
}

/// <summary>What every routing-table command carries besides its change: who asks, and on which version.</summary>
public abstract record RoutingTableCommand : IRoutingTableCommand
{
    /// <inheritdoc />
    public string? By { get; init; }

    /// <inheritdoc />
    public long? IfVersion { get; init; }
}

/// <summary>Replace the whole routing table with <paramref name="Table"/>'s routes and clusters.</summary>
public sealed record ImportRoutingTable(RoutingTable Table, string Source) : RoutingTableCommand;

/// <summary>Add or replace a route; with <paramref name="CreateOnly"/>, refuse if it exists.</summary>
public sealed record SetRoute(RouteDefinition Route, bool CreateOnly) : RoutingTableCommand;

/// <summary>Remove a route.</summary>
public sealed record RemoveRoute(string RouteId) : RoutingTableCommand;

/// <summary>Add or replace a cluster with its destinations; with <paramref name="CreateOnly"/>, refuse if it exists.</summary>
public sealed record SetCluster(ClusterDefinition Cluster, bool CreateOnly) : RoutingTableCommand;

/// <summary>Remove a cluster that no route uses.</summary>
public sealed record RemoveCluster(string ClusterId) : RoutingTableCommand;

/// <summary>Add or replace one destination of a cluster; with <paramref name="CreateOnly"/>, refuse if it exists.</summary>
public sealed record SetDestination(string ClusterId, string DestinationId, DestinationDefinition Destination, bool CreateOnly) : RoutingTableCommand;

/// <summary>Remove one destination from its cluster.</summary>
public sealed record RemoveDestination(string ClusterId, string DestinationId) : RoutingTableCommand;

/// <summary>Set a destination's admin state or weight (a null part stays as it is).</summary>
public sealed record SetDestinationAdmin(string ClusterId, string DestinationId, DestinationAdminState? State, double? Weight) : RoutingTableCommand;

/// <summary>Replace the named policies as a whole.</summary>
public sealed record SetPolicies(PolicyDefinitions Policies) : RoutingTableCommand;

/// <summary>A question to the routing-table writer that waits, like a change, until its journal is recovered.</summary>
public interface IRoutingTableQuery : IClusterLBMessage
{
}

/// <summary>
/// Ask the writer for the history entries of at most <paramref name="Limit"/> versions up to <paramref name="Newest"/>
/// (the current version when null or beyond it); answered with a <see cref="RoutingTableHistory"/>.
/// </summary>
public sealed record GetRoutingTableHistory(long? Newest, int Limit) : IRoutingTableQuery;

/// <summary>The history entries asked for, oldest first, and the table's current version.</summary>
public sealed record RoutingTableHistory(IReadOnlyList<HistoryEntry> Entries, long Version) : IClusterLBMessage;

/// <summary>Ask the writer for the table as it was at <paramref name="Version"/>; answered with a <see cref="RoutingTableAtVersion"/>.</summary>
public sealed record GetRoutingTableAt(long Version) : IRoutingTableQuery;

/// <summary>The table at the version asked for; null when there is no such version (the current one is <paramref name="Version"/>).</summary>
public sealed record RoutingTableAtVersion(RoutingTable? Table, long Version) : IClusterLBMessage;

/// <summary>Ask the writer for the table it holds.</summary>
public sealed record GetRoutingTable : IRoutingTableQuery
{
    /// <summary>The one instance.</summary>
    public static GetRoutingTable Instance { get; } = new();
}

/// <summary>A change was validated, persisted and published; the table now has <paramref name="Version"/>.</summary>
public sealed record RoutingTableChangeAccepted(long Version) : IClusterLBMessage;

/// <summary>A change was refused; nothing was persisted. <paramref name="Version"/> is the table's version then.</summary>
public sealed record RoutingTableChangeRejected(RejectionReason Reason, IReadOnlyList<ValidationError> Errors, long? Version = null) : IClusterLBMessage;

/// <summary>Why a change was refused.</summary>
public enum RejectionReason
{
    /// <summary>The resulting table would be invalid.</summary>
    Invalid,

    /// <summary>The change names a route, cluster or destination that does not exist.</summary>
    NotFound,

    /// <summary>A create named something that already exists.</summary>
    Conflict,

    /// <summary>The writer cannot read or write its journal; the error names the cause. Retry later.</summary>
    JournalUnavailable,

    /// <summary>The change was based on a version the table has moved on from (<see cref="IRoutingTableCommand.IfVersion"/>).</summary>
    VersionMismatch,
}

/// <summary>The writer recovered the table from its journal and takes changes. Sent to its supervisor.</summary>
public sealed record WriterRecovered
{
    /// <summary>The one instance.</summary>
    public static WriterRecovered Instance { get; } = new();
}

/// <summary>
/// The writer's journal failed with <paramref name="Cause"/>; the writer stops. Sent to its supervisor.
/// <paramref name="NoAnswer"/>: the journal did not answer in time, so the cause is in the plugin's own log.
/// </summary>
public sealed record JournalFailed(string Cause, bool NoAnswer = false);

/// <summary>Ask the writer's supervisor for the journal state it holds; answered with a <see cref="Persistence.JournalState"/>.</summary>
public sealed record GetJournalState
{
    /// <summary>The one instance.</summary>
    public static GetJournalState Instance { get; } = new();
}
