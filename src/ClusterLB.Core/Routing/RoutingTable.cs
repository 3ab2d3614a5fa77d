using System.Collections.Immutable;
using ClusterLB.Core.Policies;

namespace ClusterLB.Core.Routing;

/// <summary>
/// The routing table every node runs: routes and clusters in YARP's schema, with the version
/// of the last change applied. Immutable: a change builds a new table.
/// </summary>
public sealed record RoutingTable
{
    /// <summary>The table before any change: version 0, nothing routed.</summary>
    public static RoutingTable Empty { get; } = new();

    /// <summary>Number of changes applied since the table was created; 0 for the empty table.</summary>
    public long Version { get; init; }

    /// <summary>When the writer accepted the change that made this version (the event's time); null for a table read from configuration.</summary>
    public DateTimeOffset? ChangedAt { get; init; }

    /// <summary>Routes by route id.</summary>
    public ImmutableSortedDictionary<string, RouteDefinition> Routes { get; init; } =
        ImmutableSortedDictionary<string, RouteDefinition>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Clusters by cluster id.</summary>
    public ImmutableSortedDictionary<string, ClusterDefinition> Clusters { get; init; } =
        ImmutableSortedDictionary<string, ClusterDefinition>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Named policies the routes reference.</summary>
    public PolicyDefinitions Policies { get; init; } = PolicyDefinitions.None;

    /// <summary>Builds an unversioned table from routes, clusters and policies, e.g. read from configuration.</summary>
    public static RoutingTable From(IEnumerable<RouteDefinition> routes, IEnumerable<ClusterDefinition> clusters, PolicyDefinitions? policies = null) => new()
    {
        Routes = routes.ToImmutableSortedDictionary(r => r.RouteId, r => r, StringComparer.Ordinal),
        Clusters = clusters.ToImmutableSortedDictionary(c => c.ClusterId, c => c, StringComparer.Ordinal),
        Policies = policies ?? PolicyDefinitions.None,
    };

    /// <summary>Returns the table after <paramref name="change"/>, one version later.</summary>
    public RoutingTable Apply(IRoutingTableEvent change) => (change switch
    {
        RoutingTableImported imported => From(imported.Routes, imported.Clusters, imported.Policies),
        PoliciesSet set => this with { Policies = set.Policies },
        RouteSet set => this with { Routes = Routes.SetItem(set.Route.RouteId, set.Route) },
        RouteRemoved removed => this with { Routes = Routes.Remove(removed.RouteId) },
        ClusterSet set => this with { Clusters = Clusters.SetItem(set.Cluster.ClusterId, set.Cluster) },
        ClusterRemoved removed => this with { Clusters = Clusters.Remove(removed.ClusterId) },
        DestinationSet set => WithDestinations(set.ClusterId, d => d.SetItem(set.DestinationId, set.Destination)),
        DestinationAdminSet admin => WithDestinations(
            admin.ClusterId, d => d.SetItem(admin.DestinationId, DestinationAdmin.With(d[admin.DestinationId], admin.State, admin.Weight, admin.At))),
        DestinationRemoved removed => WithDestinations(removed.ClusterId, d => d.Remove(removed.DestinationId)),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.GetType().Name, "Unknown routing-table event."),
    }) with { Version = Version + 1, ChangedAt = change.At };

    private RoutingTable WithDestinations(
        string clusterId,
        Func<ImmutableDictionary<string, DestinationDefinition>, ImmutableDictionary<string, DestinationDefinition>> change)
    {
        var cluster = Clusters[clusterId];
        var destinations = change(cluster.Destinations.ToImmutableDictionary(StringComparer.Ordinal));
        return this with { Clusters = Clusters.SetItem(clusterId, cluster with { Destinations = destinations }) };
    }

    /// <summary>
    /// Whether both tables route the same way, whatever their versions. Compared through the
    /// canonical JSON form, since the definitions hold collections that records compare by reference.
    /// </summary>
    public bool HasSameContentAs(RoutingTable other) =>
        RoutingTableJson.Canonical(this with { Version = 0, ChangedAt = null }) == RoutingTableJson.Canonical(other with { Version = 0, ChangedAt = null });
}
