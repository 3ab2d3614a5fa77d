using ClusterLB.Core.Policies;

namespace ClusterLB.Core.Routing;

/// <summary>A persisted change of the routing table. Each one raises the table's version by one.</summary>
public interface IRoutingTableEvent
{
    /// <summary>When the change was accepted.</summary>
    DateTimeOffset At { get; }

    /// <summary>The name of the admin token that made the change; null in events persisted before names were kept.</summary>
    string? By { get; }
}

/// <summary>The whole table was replaced, from configuration on first start or by an import.</summary>
/// <param name="Routes">The new routes.</param>
/// <param name="Clusters">The new clusters.</param>
/// <param name="Source">Where the table came from, e.g. <c>configuration</c>.</param>
/// <param name="At">When the change was accepted.</param>
/// <param name="Policies">The new named policies; none in events written before policies existed.</param>
/// <param name="By">The admin token that made the change; <c>configuration</c> for the seed.</param>
public sealed record RoutingTableImported(
    IReadOnlyList<RouteDefinition> Routes,
    IReadOnlyList<ClusterDefinition> Clusters,
    string Source,
    DateTimeOffset At,
    PolicyDefinitions? Policies = null,
    string? By = null) : IRoutingTableEvent
{
    /// <summary>An import of every route, cluster and policy of <paramref name="table"/>.</summary>
    public static RoutingTableImported Of(RoutingTable table, string source, DateTimeOffset at, string? by = null) =>
        new(table.Routes.Values.ToList(), table.Clusters.Values.ToList(), source, at, table.Policies, by);
}

/// <summary>The named policies were replaced as a whole.</summary>
public sealed record PoliciesSet(PolicyDefinitions Policies, DateTimeOffset At, string? By = null) : IRoutingTableEvent;

/// <summary>A route was added or replaced.</summary>
public sealed record RouteSet(RouteDefinition Route, DateTimeOffset At, string? By = null) : IRoutingTableEvent;

/// <summary>A route was removed.</summary>
public sealed record RouteRemoved(string RouteId, DateTimeOffset At, string? By = null) : IRoutingTableEvent;

/// <summary>A cluster was added or replaced, with its destinations.</summary>
public sealed record ClusterSet(ClusterDefinition Cluster, DateTimeOffset At, string? By = null) : IRoutingTableEvent;

/// <summary>A cluster was removed.</summary>
public sealed record ClusterRemoved(string ClusterId, DateTimeOffset At, string? By = null) : IRoutingTableEvent;

/// <summary>A destination of a cluster was added or replaced.</summary>
public sealed record DestinationSet(string ClusterId, string DestinationId, DestinationDefinition Destination, DateTimeOffset At, string? By = null) : IRoutingTableEvent;

/// <summary>A destination was removed from its cluster.</summary>
public sealed record DestinationRemoved(string ClusterId, string DestinationId, DateTimeOffset At, string? By = null) : IRoutingTableEvent;

/// <summary>
/// An operator changed a destination's admin state (drain, maintenance, enable) or weight; a null
/// part is left as it was. Kept in the destination's metadata (<see cref="DestinationAdmin"/>).
/// </summary>
public sealed record DestinationAdminSet(
    string ClusterId,
    string DestinationId,
    DestinationAdminState? State,
    double? Weight,
    DateTimeOffset At, string? By = null) : IRoutingTableEvent;
