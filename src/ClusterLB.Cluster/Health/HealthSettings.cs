using ClusterLB.Core.Health;

namespace ClusterLB.Cluster.Health;

/// <summary>Health tuning (<c>ClusterLB:Health</c>): the node's defaults, which clusters may override.</summary>
public sealed class HealthSettings
{
    /// <summary>Consecutive passing probes that bring a destination back.</summary>
    public int Rise { get; set; } = HealthThresholds.Default.Rise;

    /// <summary>Consecutive failing probes that take a destination out.</summary>
    public int Fall { get; set; } = HealthThresholds.Default.Fall;

    /// <summary>Share of failed requests in one report window that ejects a destination (clusters: <c>ClusterLB.Outlier.FailureRatePercent</c>).</summary>
    public double PassiveFailureRate { get; set; } = OutlierPolicy.Default.FailureRatePercent / 100.0;

    /// <summary>The base ejection time (clusters: <c>HealthCheck:Passive:ReactivationPeriod</c> or <c>ClusterLB.Outlier.BaseEjectionTime</c>).</summary>
    public TimeSpan ReactivationPeriod { get; set; } = OutlierPolicy.Default.BaseEjectionTime;

    /// <summary>How often nodes send real-traffic results to the owners, and owners judge them.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Probe interval when a cluster sets none.</summary>
    public TimeSpan DefaultProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Probe timeout when a cluster sets none.</summary>
    public TimeSpan DefaultProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The probe thresholds as the pure health model takes them.</summary>
    public HealthThresholds Thresholds => new(Rise, Fall);

    /// <summary>The outlier detection defaults as the pure health model takes them.</summary>
    public OutlierPolicy Outlier => OutlierPolicy.Default with
    {
        FailureRatePercent = (int)Math.Clamp(Math.Ceiling(PassiveFailureRate * 100), 1, 100),
        BaseEjectionTime = ReactivationPeriod,
    };

    /// <summary>How <paramref name="cluster"/>'s destinations are judged on this node.</summary>
    public ClusterHealthPolicy PolicyOf(ClusterLB.Core.Routing.ClusterDefinition cluster) => ClusterHealthPolicy.Of(cluster, Thresholds, Outlier);
}
