using ClusterLB.Core.LoadBalancing;

namespace ClusterLB.Core.Tests.LoadBalancing;

public sealed class PeakEwmaLatencyTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void A_slower_response_raises_the_estimate_at_once_and_faster_ones_lower_it_with_the_decay_time()
    {
        var latency = new PeakEwmaLatency(TimeSpan.FromSeconds(10));
        var now = TimeSpan.FromSeconds(100);
        latency.Observe(10 * Ms, now);
        latency.Observe(100 * Ms, now + Ms);
        Assert.Equal(100, latency.Estimate(now + Ms).TotalMilliseconds, 6);

        // One decay time later a 10 ms answer has taken the estimate most of the way (1 - 1/e) down.
        now += TimeSpan.FromSeconds(10) + Ms;
        latency.Observe(10 * Ms, now);
        Assert.Equal(10 + (90 / Math.E), latency.Estimate(now).TotalMilliseconds, 3);
    }

    [Fact]
    public void An_idle_destination_decays_towards_zero_so_it_is_tried_again()
    {
        var latency = new PeakEwmaLatency(TimeSpan.FromSeconds(10));
        latency.Observe(100 * Ms, TimeSpan.Zero);

        Assert.Equal(100 / Math.E, latency.Estimate(TimeSpan.FromSeconds(10)).TotalMilliseconds, 3);
        Assert.True(latency.Estimate(TimeSpan.FromSeconds(60)) < Ms);
    }

    [Fact]
    public void The_load_is_the_estimate_times_outstanding_plus_one_and_an_unmeasured_busy_destination_waits()
    {
        var latency = new PeakEwmaLatency(TimeSpan.FromSeconds(10));
        Assert.Equal(0, latency.Load(0, TimeSpan.Zero));
        Assert.True(latency.Load(1, TimeSpan.Zero) > 1e6);

        latency.Observe(20 * Ms, TimeSpan.Zero);

        Assert.Equal(60, latency.Load(2, TimeSpan.Zero), 6);
    }

    [Fact]
    public void Load_moves_away_from_a_destination_whose_latency_rises_tenfold()
    {
        // Two destinations answering in 10 ms; at request 5,000 the second slows to 100 ms.
        var latencies = new[] { new PeakEwmaLatency(TimeSpan.FromSeconds(10)), new PeakEwmaLatency(TimeSpan.FromSeconds(10)) };
        var clock = TimeSpan.Zero;
        var random = new Random(7);
        var before = new int[2];
        var after = new int[2];
        for (var i = 0; i < 10_000; i++)
        {
            clock += Ms; // 1,000 requests a second
            var (first, second) = WeightedChoice.DrawTwo([1, 1], random);
            var chosen = latencies[second].Load(0, clock) < latencies[first].Load(0, clock) ? second : first;
            var took = chosen == 1 && i >= 5_000 ? 100 * Ms : 10 * Ms;
            latencies[chosen].Observe(took, clock);
            (i < 5_000 ? before : after)[chosen]++;
        }

        Assert.InRange(before[1], 2_000, 3_000);
        Assert.True(after[1] < 500, $"the slow destination still got {after[1]} of 5,000 requests");
        Assert.True(after[1] > 0, "the slow destination is tried again as its estimate decays");
    }
}
