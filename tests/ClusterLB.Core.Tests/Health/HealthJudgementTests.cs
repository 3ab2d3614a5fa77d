using ClusterLB.Core.Health;

namespace ClusterLB.Core.Tests.Health;

public sealed class HealthJudgementTests
{
    private static readonly HealthThresholds Thresholds = new(Rise: 3, Fall: 2);
    private static readonly OutlierPolicy Outlier = OutlierPolicy.Default;
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static HealthJudgement Observe(HealthJudgement judgement, int failed, int total, int sinceSuccess = 0, DateTimeOffset? at = null, bool mayEject = true) =>
        judgement.Observe(new PassiveCount(failed, total, sinceSuccess), at ?? Now, Outlier, mayEject).Next;

    [Fact]
    public void Healthy_destination_falls_only_after_fall_consecutive_failures()
    {
        var health = HealthJudgement.From(HealthVerdict.Healthy);

        health = health.Probe(false, Thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
        health = health.Probe(true, Thresholds).Probe(false, Thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
        health = health.Probe(false, Thresholds);
        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);
    }

    [Fact]
    public void Unhealthy_destination_rises_only_after_rise_consecutive_passes()
    {
        var health = HealthJudgement.From(HealthVerdict.Unhealthy);

        health = health.Probe(true, Thresholds).Probe(true, Thresholds).Probe(false, Thresholds);
        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);
        health = health.Probe(true, Thresholds).Probe(true, Thresholds).Probe(true, Thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
    }

    [Fact]
    public void Unknown_destination_takes_its_first_probe_result()
    {
        Assert.Equal(HealthVerdict.Healthy, HealthJudgement.From(HealthVerdict.Unknown).Probe(true, Thresholds).Verdict);
        Assert.Equal(HealthVerdict.Unhealthy, HealthJudgement.From(HealthVerdict.Unknown).Probe(false, Thresholds).Verdict);
    }

    [Fact]
    public void Consecutive_failures_add_up_over_windows_until_a_success_breaks_the_run()
    {
        var health = Observe(HealthJudgement.From(HealthVerdict.Healthy), failed: 3, total: 3);
        Assert.Equal(3, health.ConsecutiveFailures);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);

        // A success, then one failure after it: the run is one long.
        health = Observe(health, failed: 3, total: 4, sinceSuccess: 1);
        Assert.Equal(1, health.ConsecutiveFailures);

        health = Observe(health, failed: 4, total: 4);
        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);
        Assert.Equal(Now + Outlier.BaseEjectionTime, health.EjectedUntil);
        Assert.Equal(1, health.Ejections);
    }

    [Theory]
    [InlineData(4, 9, false)]   // under the minimum of 10 requests
    [InlineData(4, 10, false)]  // 40 % is under the rate
    [InlineData(5, 10, true)]   // 50 %
    [InlineData(30, 40, true)]
    public void A_window_ejects_by_failure_rate_only_with_enough_requests(int failed, int total, bool ejected)
    {
        // Failures spread through the window: the last request succeeded.
        Assert.Equal(ejected, Observe(HealthJudgement.From(HealthVerdict.Healthy), failed, total).EjectedUntil is not null);
    }

    [Fact]
    public void An_outlier_is_not_ejected_while_the_cap_forbids_it_but_keeps_its_count()
    {
        var health = Observe(HealthJudgement.From(HealthVerdict.Healthy), failed: 8, total: 8, mayEject: false);

        Assert.Null(health.EjectedUntil);
        Assert.Equal(8, health.ConsecutiveFailures);
        Assert.NotNull(Observe(health, failed: 1, total: 1).EjectedUntil);
    }

    [Fact]
    public void Each_ejection_lasts_base_times_the_ejection_count_up_to_the_maximum()
    {
        var health = HealthJudgement.From(HealthVerdict.Healthy);
        var at = Now;
        var lengths = new List<TimeSpan>();
        for (var i = 0; i < 12; i++)
        {
            health = Observe(health, failed: 5, total: 5, at: at);
            lengths.Add(health.EjectedUntil!.Value - at);
            at = health.EjectedUntil!.Value;
            health = health.Elapsed(at, probed: false, Outlier);
        }

        Assert.Equal(TimeSpan.FromSeconds(30), lengths[0]);
        Assert.Equal(TimeSpan.FromSeconds(60), lengths[1]);
        Assert.Equal(TimeSpan.FromSeconds(300), lengths[9]);
        Assert.Equal(TimeSpan.FromSeconds(300), lengths[11]);
    }

    [Fact]
    public void The_ejection_count_decays_by_one_each_base_ejection_time_in_service()
    {
        var health = Observe(HealthJudgement.From(HealthVerdict.Healthy), 5, 5);
        health = Observe(health.Elapsed(Now.AddSeconds(30), false, Outlier), 5, 5, at: Now.AddSeconds(30));
        Assert.Equal(2, health.Ejections);
        var back = Now.AddSeconds(90);
        health = health.Elapsed(back, false, Outlier);

        health = health.Elapsed(back.AddSeconds(29), false, Outlier);
        Assert.Equal(2, health.Ejections);
        health = health.Elapsed(back.AddSeconds(30), false, Outlier);
        Assert.Equal(1, health.Ejections);
        health = health.Elapsed(back.AddSeconds(60), false, Outlier);
        Assert.Equal(0, health.Ejections);
        Assert.Equal(TimeSpan.FromSeconds(30), Observe(health, 5, 5, at: back.AddSeconds(61)).EjectedUntil - back.AddSeconds(61));
    }

    [Fact]
    public void Ejected_destination_ignores_passing_probes_until_its_ejection_ends_then_the_probes_decide()
    {
        var health = Observe(HealthJudgement.From(HealthVerdict.Healthy), 10, 10);
        for (var i = 0; i < 5; i++)
        {
            health = health.Probe(true, Thresholds);
        }

        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);
        Assert.Equal(HealthVerdict.Unhealthy, health.Elapsed(Now.AddSeconds(29), probed: true, Outlier).Verdict);
        Assert.Equal(HealthVerdict.Healthy, health.Elapsed(Now.AddSeconds(30), probed: true, Outlier).Verdict);

        var failingProbes = Observe(HealthJudgement.From(HealthVerdict.Healthy), 10, 10).Probe(false, Thresholds).Probe(false, Thresholds);
        Assert.Equal(HealthVerdict.Unhealthy, failingProbes.Elapsed(Now.AddSeconds(30), probed: true, Outlier).Verdict);
    }

    [Fact]
    public void Unprobed_destination_comes_back_as_unknown_when_its_ejection_ends()
    {
        var health = Observe(HealthJudgement.From(HealthVerdict.Unknown), 10, 10);

        Assert.Equal(HealthVerdict.Unhealthy, health.Elapsed(Now.AddSeconds(29), probed: false, Outlier).Verdict);
        Assert.Equal(HealthVerdict.Unknown, health.Elapsed(Now.AddSeconds(30), probed: false, Outlier).Verdict);
    }

    [Fact]
    public void Traffic_during_an_ejection_neither_extends_nor_repeats_it()
    {
        var health = Observe(HealthJudgement.From(HealthVerdict.Healthy), 10, 10);

        Assert.Same(health, Observe(health, 50, 50, at: Now.AddSeconds(10)));
    }

    [Fact]
    public void A_new_owner_goes_on_with_the_clusters_ejection_and_its_count()
    {
        var until = Now.AddSeconds(20);
        var health = HealthJudgement.From(HealthVerdict.Unhealthy, until, ejections: 2);

        Assert.Equal(HealthVerdict.Unhealthy, health.Verdict);
        Assert.Equal(HealthVerdict.Unknown, health.Elapsed(until, probed: true, Outlier).Verdict);
        Assert.Equal(TimeSpan.FromSeconds(90), Observe(health.Elapsed(until, true, Outlier), 5, 5, at: until).EjectedUntil - until);
    }

    [Fact]
    public void Lifting_an_ejection_puts_the_destination_back_and_takes_back_its_count()
    {
        var health = Observe(HealthJudgement.From(HealthVerdict.Healthy), 10, 10).Lift();

        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
        Assert.Equal(0, health.Ejections);
    }
}
