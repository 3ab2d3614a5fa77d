using ClusterLB.Core.Health;

namespace ClusterLB.Core.Tests.Health;

/// <summary>YARP's health policy metadata, read with YARP's meaning by the cluster-wide health model.</summary>
public sealed class HealthPolicyMetadataTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Consecutive_failures_threshold_sets_how_many_failed_probes_take_a_destination_out()
    {
        var thresholds = HealthPolicyMetadata.Apply(HealthThresholds.Default, new Dictionary<string, string>
        {
            [HealthPolicyMetadata.ConsecutiveFailuresThreshold] = "3",
        });
        var health = DestinationHealth.From(HealthVerdict.Healthy);

        health = health.Probed(false, Now, thresholds).Probed(false, Now, thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
        Assert.Equal(HealthVerdict.Unhealthy, health.Probed(false, Now, thresholds).Verdict);
    }

    [Fact]
    public void Transport_failure_rate_limit_sets_the_share_of_failed_requests_that_takes_a_destination_out()
    {
        var thresholds = HealthPolicyMetadata.Apply(HealthThresholds.Default, new Dictionary<string, string>
        {
            [HealthPolicyMetadata.TransportFailureRateLimit] = "0.2",
        });
        var health = DestinationHealth.From(HealthVerdict.Healthy);

        Assert.Equal(HealthVerdict.Healthy, health.Observed(5, 30, Now, thresholds).Verdict); // 17 %
        Assert.Equal(HealthVerdict.Unhealthy, health.Observed(6, 30, Now, thresholds).Verdict); // 20 %
        Assert.Equal(HealthVerdict.Healthy, health.Observed(6, 30, Now, HealthThresholds.Default).Verdict); // under the default 50 %
    }

    [Fact]
    public void Without_metadata_the_node_settings_stand()
    {
        Assert.Same(HealthThresholds.Default, HealthPolicyMetadata.Apply(HealthThresholds.Default, null));
        Assert.Equal(HealthThresholds.Default, HealthPolicyMetadata.Apply(HealthThresholds.Default, new Dictionary<string, string> { ["other"] = "1" }));
    }
}
