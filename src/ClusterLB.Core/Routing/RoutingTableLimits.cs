namespace ClusterLB.Core.Routing;

/// <summary>
/// Bounds on what a routing table may hold, so that no change, from configuration or the admin API,
/// can make a node overflow a timer, spin its health monitor or build a table that cannot replicate.
/// Far beyond any real configuration; docs/configuration.md lists them.
/// </summary>
public static class RoutingTableLimits
{
    /// <summary>Longest route, cluster or destination id.</summary>
    public const int MaxIdLength = 200;

    /// <summary>Most routes in a table.</summary>
    public const int MaxRoutes = 10_000;

    /// <summary>Most clusters in a table.</summary>
    public const int MaxClusters = 10_000;

    /// <summary>Most destinations in one cluster.</summary>
    public const int MaxDestinationsPerCluster = 20_000;

    /// <summary>Most metadata entries on a route, cluster or destination.</summary>
    public const int MaxMetadataEntries = 64;

    /// <summary>Longest metadata or transform key.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>Longest metadata value, transform value, route path or destination host.</summary>
    public const int MaxValueLength = 4096;

    /// <summary>Most transforms on a route.</summary>
    public const int MaxTransforms = 32;

    /// <summary>Most keys in one transform.</summary>
    public const int MaxTransformKeys = 16;

    /// <summary>Most hosts, methods, headers or query parameters a route matches on.</summary>
    public const int MaxMatchEntries = 64;

    /// <summary>Longest route timeout or destination activity timeout.</summary>
    public static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromDays(1);

    /// <summary>Shortest active probe interval: faster probing is load on the backends, not health information.</summary>
    public static readonly TimeSpan MinProbeInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest active probe interval.</summary>
    public static readonly TimeSpan MaxProbeInterval = TimeSpan.FromHours(1);

    /// <summary>Longest active probe timeout.</summary>
    public static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Longest passive-health reactivation period.</summary>
    public static readonly TimeSpan MaxReactivationPeriod = TimeSpan.FromDays(1);
}
