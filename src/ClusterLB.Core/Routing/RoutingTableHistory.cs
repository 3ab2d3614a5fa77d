namespace ClusterLB.Core.Routing;

/// <summary>One version of the routing table in its history.</summary>
/// <param name="Version">The version the change produced.</param>
/// <param name="At">When the change was accepted (the event's time).</param>
/// <param name="By">The admin token that made it; <c>configuration</c> for the seed; null before names were kept.</param>
/// <param name="Summary">One line saying what changed, e.g. <c>set route api</c>.</param>
public sealed record HistoryEntry(long Version, DateTimeOffset At, string? By, string Summary)
{
    /// <summary>The entry of <paramref name="change"/>, persisted as version <paramref name="version"/>.</summary>
    public static HistoryEntry Of(long version, IRoutingTableEvent change) => new(version, change.At, change.By, Summarize(change));

    /// <summary>A one-line summary of <paramref name="change"/>.</summary>
    public static string Summarize(IRoutingTableEvent change) => change switch
    {
        RoutingTableImported imported => $"{ImportVerb(imported.Source)} {Count(imported.Routes.Count, "route")}, {Count(imported.Clusters.Count, "cluster")}",
        PoliciesSet => "set policies",
        RouteSet set => $"set route {set.Route.RouteId}",
        RouteRemoved removed => $"remove route {removed.RouteId}",
        ClusterSet set => $"set cluster {set.Cluster.ClusterId}",
        ClusterRemoved removed => $"remove cluster {removed.ClusterId}",
        DestinationSet set => $"set destination {set.ClusterId}/{set.DestinationId}",
        DestinationRemoved removed => $"remove destination {removed.ClusterId}/{removed.DestinationId}",
        DestinationAdminSet { State: { } state } admin => $"{AdminVerb(state)} destination {admin.ClusterId}/{admin.DestinationId}"
            + (admin.Weight is { } w ? $", weight {w}" : ""),
        DestinationAdminSet admin => $"weight {admin.Weight} destination {admin.ClusterId}/{admin.DestinationId}",
        _ => change.GetType().Name,
    };

    private static string ImportVerb(string source) => source.StartsWith("rollback", StringComparison.Ordinal)
        ? source + ":"
        : source == "import" ? "import" : $"import from {source}:";

    private static string AdminVerb(DestinationAdminState state) => state switch
    {
        DestinationAdminState.Draining => "drain",
        DestinationAdminState.Maintenance => "maintenance",
        _ => "enable",
    };

    private static string Count(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";
}
