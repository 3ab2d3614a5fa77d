using ClusterLB.Core.Health;

namespace ClusterLB.Cluster.Health;

/// <summary>Health tuning (<c>ClusterLB:Health</c>).</summary>
public sealed class HealthSettings
{
    /// <summary>Consecutive passing probes that bring a destination back.</summary>
    public int Rise { get; set; } = HealthThresholds.Default.Rise;

    /// <summary>Consecutive failing probes that take a destination out.</summary>
    public int Fall { get; set; } = HealthThresholds.Default.Fall;

    /// <summary>Failed requests in one report window that can take a destination out.</summary>
    public int PassiveMinFailures { get; set; } = HealthThresholds.Default.PassiveMinFailures;

    /// <summary>Share of failed requests in the window that takes a destination out.</summary>
    public double PassiveFailureRate { get; set; } = HealthThresholds.Default.PassiveFailureRate;

    /// <summary>How long real-traffic failures keep a destination out (clusters may set their own).</summary>
    public TimeSpan ReactivationPeriod { get; set; } = HealthThresholds.Default.ReactivationPeriod;

    /// <summary>How often nodes send real-traffic results to the owners.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Probe interval when a cluster sets none.</summary>
    public TimeSpan DefaultProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Probe timeout when a cluster sets none.</summary>
    public TimeSpan DefaultProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The thresholds as the pure health model takes them.</summary>
    public HealthThresholds Thresholds(TimeSpan? reactivation) =>
        new(Rise, Fall, PassiveMinFailures, PassiveFailureRate, reactivation ?? ReactivationPeriod);
}
