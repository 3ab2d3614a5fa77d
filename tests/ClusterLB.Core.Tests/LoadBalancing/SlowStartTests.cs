using ClusterLB.Core.LoadBalancing;

namespace ClusterLB.Core.Tests.LoadBalancing;

public sealed class SlowStartTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_share_ramps_linearly_from_the_initial_percent_to_all_over_the_duration()
    {
        var slowStart = new SlowStart(TimeSpan.FromSeconds(30), InitialPercent: 10);

        double At(double seconds) => slowStart.Factor(Start, Start + TimeSpan.FromSeconds(seconds));

        Assert.Equal(0.1, At(0), 9);
        Assert.Equal(0.1 + (0.9 / 3), At(10), 9);
        Assert.Equal(0.55, At(15), 9);
        Assert.Equal(1, At(30), 9);
        Assert.Equal(1, At(3_600), 9);
        // Another node's clock a little behind the start: still the initial share, never less.
        Assert.Equal(0.1, At(-2), 9);
        for (var s = 1; s <= 30; s++)
        {
            Assert.Equal(0.9 / 30, At(s) - At(s - 1), 9);
        }
    }

    [Fact]
    public void The_ramp_starts_at_the_latest_time_given()
    {
        var healthy = Start;
        var added = Start.AddSeconds(5);
        var enabled = Start.AddSeconds(-60);

        Assert.Equal(added, SlowStart.RampStart(healthy, added, enabled));
        Assert.Equal(healthy, SlowStart.RampStart(healthy, null, null));
        Assert.Equal(enabled, SlowStart.RampStart(null, null, enabled));
        Assert.Null(SlowStart.RampStart(null, null, null));
    }
}
