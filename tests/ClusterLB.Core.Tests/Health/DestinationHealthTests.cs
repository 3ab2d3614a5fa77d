using ClusterLB.Core.Health;

namespace ClusterLB.Core.Tests.Health;

public sealed class DestinationHealthTests
{
    private static readonly HealthThresholds Thresholds = new(Rise: 3, Fall: 2, PassiveMinFailures: 5, PassiveFailureRate: 0.5, ReactivationPeriod: TimeSpan.FromSeconds(30));
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Healthy_destination_falls_only_after_fall_consecutive_failures()
    {
        var health = DestinationHealth.From(HealthVerdict.Healthy);

        health = health.Probed(false, Now, Thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
        health = health.Probed(true, Now, Thresholds).Probed(false, Now, Thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
        health = health.Probed(false, Now, Thresholds);
        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);
    }

    [Fact]
    public void Unhealthy_destination_rises_only_after_rise_consecutive_passes()
    {
        var health = DestinationHealth.From(HealthVerdict.Unhealthy);

        health = health.Probed(true, Now, Thresholds).Probed(true, Now, Thresholds).Probed(false, Now, Thresholds);
        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);
        health = health.Probed(true, Now, Thresholds).Probed(true, Now, Thresholds).Probed(true, Now, Thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
    }

    [Fact]
    public void Unknown_destination_takes_its_first_probe_result()
    {
        Assert.Equal(HealthVerdict.Healthy, DestinationHealth.From(HealthVerdict.Unknown).Probed(true, Now, Thresholds).Verdict);
        Assert.Equal(HealthVerdict.Unhealthy, DestinationHealth.From(HealthVerdict.Unknown).Probed(false, Now, Thresholds).Verdict);
    }

    [Theory]
    [InlineData(4, 4, HealthVerdict.Healthy)]   // too few failures
    [InlineData(5, 20, HealthVerdict.Healthy)]  // 25 % is under the rate
    [InlineData(5, 10, HealthVerdict.Unhealthy)]
    public void Real_traffic_takes_a_destination_out_only_past_both_thresholds(int failed, int total, HealthVerdict expected)
    {
        Assert.Equal(expected, DestinationHealth.From(HealthVerdict.Healthy).Observed(failed, total, Now, Thresholds).Verdict);
    }

    [Fact]
    public void Destination_out_for_traffic_failures_ignores_passing_probes_until_reactivation()
    {
        var health = DestinationHealth.From(HealthVerdict.Healthy).Observed(10, 10, Now, Thresholds);
        for (var i = 0; i < 5; i++)
        {
            health = health.Probed(true, Now.AddSeconds(10), Thresholds);
        }

        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);

        health = health.Elapsed(Now.AddSeconds(31), probed: true);
        for (var i = 0; i < 3; i++)
        {
            health = health.Probed(true, Now.AddSeconds(32), Thresholds);
        }

        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
    }

    [Fact]
    public void Unprobed_destination_comes_back_as_unknown_after_reactivation()
    {
        var health = DestinationHealth.From(HealthVerdict.Unknown).Observed(10, 10, Now, Thresholds);

        Assert.Equal(HealthVerdict.Unhealthy, health.Elapsed(Now.AddSeconds(29), probed: false).Verdict);
        Assert.Equal(HealthVerdict.Unknown, health.Elapsed(Now.AddSeconds(30), probed: false).Verdict);
    }
}
