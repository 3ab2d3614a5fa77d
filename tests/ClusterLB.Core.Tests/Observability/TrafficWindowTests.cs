using ClusterLB.Core.Observability;

namespace ClusterLB.Core.Tests.Observability;

public sealed class TrafficWindowTests
{
    [Fact]
    public void Every_latency_falls_in_a_bucket_whose_bounds_hold_it_and_are_at_most_an_eighth_apart()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 100).Select(i => (long)i)
            .Concat(Enumerable.Range(0, 5000).Select(_ => (long)Math.Exp(random.NextDouble() * Math.Log(60_000_000))));
        foreach (var microseconds in samples)
        {
            var bucket = LatencyBuckets.Of(microseconds);
            Assert.InRange(microseconds, LatencyBuckets.LowerBound(bucket), LatencyBuckets.UpperBound(bucket) - 1);
            var lower = LatencyBuckets.LowerBound(bucket);
            Assert.True(LatencyBuckets.UpperBound(bucket) - lower <= Math.Max(1, lower / 8), $"bucket {bucket}: [{lower}, {LatencyBuckets.UpperBound(bucket)})");
        }

        for (var bucket = 1; bucket < LatencyBuckets.Count; bucket++)
        {
            Assert.Equal(LatencyBuckets.UpperBound(bucket - 1), LatencyBuckets.LowerBound(bucket));
        }

        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.Of(long.MaxValue));
        Assert.Equal(0, LatencyBuckets.Of(-5));
    }

    [Theory]
    [InlineData(0.50)]
    [InlineData(0.90)]
    [InlineData(0.99)]
    public void Percentiles_of_merged_node_histograms_are_the_true_ones_within_a_buckets_error(double quantile)
    {
        // Three nodes, each with its own latency profile; the merge must answer for all requests together.
        var random = new Random(11);
        var nodes = new[] { (Scale: 1_000.0, Count: 3000), (Scale: 20_000.0, Count: 500), (Scale: 250_000.0, Count: 80) }
            .Select(n => Enumerable.Range(0, n.Count).Select(_ => (long)(n.Scale * (0.5 + random.NextDouble()))).ToList())
            .ToList();
        var summaries = nodes.Select(latencies =>
        {
            var window = new TrafficWindow(10);
            foreach (var (latency, i) in latencies.Select((l, i) => (l, i)))
            {
                window.Record(100 + (i % 10), latency, error: i % 50 == 0);
            }

            return window.Summary(110);
        }).ToList();

        var merged = TrafficSummary.Merge(summaries);
        var all = nodes.SelectMany(l => l).Order().ToList();
        var truth = all[(int)Math.Ceiling(quantile * all.Count) - 1] / 1000.0;
        var read = merged.Latency.Percentile(quantile)!.Value;

        Assert.Equal(all.Count, merged.Requests);
        Assert.Equal(summaries.Sum(s => s.Errors), merged.Errors);
        Assert.InRange(read, truth * (1 - LatencyBuckets.RelativeError) - 0.001, truth * (1 + LatencyBuckets.RelativeError) + 0.001);
    }

    [Fact]
    public void A_summary_covers_only_the_complete_seconds_of_the_window()
    {
        var window = new TrafficWindow(10);
        window.Record(89, 1000, error: false);   // 11 seconds before the reading: out of the window
        window.Record(90, 1000, error: true);    // the oldest second in it
        window.Record(99, 2000, error: false);
        window.Record(100, 3000, error: false);  // the current second: not complete yet

        var summary = window.Summary(100);

        Assert.Equal(2, summary.Requests);
        Assert.Equal(1, summary.Errors);
        Assert.Equal(0.5, summary.ErrorRate);
        Assert.Equal(0.2, summary.RequestsPerSecond(10));
        Assert.Equal((2, 0), (window.Summary(101).Requests, window.Summary(101).Errors)); // second 90 left, 100 completed
    }

    [Fact]
    public void A_second_reuses_its_slot_only_after_clearing_what_the_same_slot_held_a_window_ago()
    {
        var window = new TrafficWindow(3);
        for (var i = 0; i < 10; i++)
        {
            window.Record(10, 500, error: true);
        }

        window.Record(14, 500, error: false); // the same slot as second 10 in a ring of four

        var summary = window.Summary(15);
        Assert.Equal(1, summary.Requests);
        Assert.Equal(0, summary.Errors);
        Assert.True(window.IdleAt(20));
        Assert.False(window.IdleAt(15));
    }

    [Fact]
    public void No_traffic_reads_as_zero_rates_and_no_percentiles()
    {
        var summary = new TrafficWindow().Summary(1000);

        Assert.Same(TrafficSummary.Empty, summary);
        Assert.Equal(0, summary.ErrorRate);
        Assert.Null(summary.Latency.Percentile(0.5));
        Assert.Same(TrafficSummary.Empty, TrafficSummary.Merge([]));
    }

    [Fact]
    public void Recording_from_many_threads_loses_no_request_within_a_second()
    {
        var window = new TrafficWindow(10);
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                window.Record(50, i, error: i % 10 == 0);
            }
        });

        var summary = window.Summary(51);
        Assert.Equal(80_000, summary.Requests);
        Assert.Equal(8_000, summary.Errors);
        Assert.Equal(80_000, summary.Latency.Total);
    }
}
