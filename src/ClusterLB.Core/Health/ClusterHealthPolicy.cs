using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Health;

/// <summary>
/// How one cluster's destinations are judged, read once per routing table from the cluster's
/// <c>HealthCheck</c> section and metadata over the node's defaults.
/// </summary>
/// <param name="Active">The active probe settings, or null when nothing probes.</param>
/// <param name="Passive">Whether real traffic is judged (outlier detection).</param>
/// <param name="Thresholds">Rise and fall of the probes.</param>
/// <param name="Outlier">Outlier detection.</param>
/// <param name="Destinations">How many destinations the cluster has (for the ejection cap).</param>
public sealed record ClusterHealthPolicy(
    ActiveHealthCheckDefinition? Active,
    bool Passive,
    HealthThresholds Thresholds,
    OutlierPolicy Outlier,
    int Destinations)
{
    /// <summary>
    /// The policy of <paramref name="cluster"/>: its metadata over the node's defaults, and its
    /// <c>HealthCheck:Passive:ReactivationPeriod</c> (YARP's name) as the base ejection time unless the
    /// metadata sets one.
    /// </summary>
    public static ClusterHealthPolicy Of(ClusterDefinition cluster, HealthThresholds thresholds, OutlierPolicy outlier)
    {
        var health = cluster.HealthCheck;
        if (health?.Passive?.ReactivationPeriod is { } reactivation)
        {
            outlier = outlier with { BaseEjectionTime = reactivation };
        }

        return new ClusterHealthPolicy(
            health?.Active is { Enabled: true } active ? active : null,
            health?.Passive?.Enabled == true,
            HealthPolicyMetadata.Apply(thresholds, cluster.Metadata),
            HealthPolicyMetadata.Apply(outlier, cluster.Metadata),
            cluster.Destinations.Count);
    }
}
