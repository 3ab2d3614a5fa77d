using ClusterLB.Core.LoadBalancing;

namespace ClusterLB.Core.Tests.LoadBalancing;

public sealed class SmoothWeightedRoundRobinTests
{
    private static int[] Run(SmoothWeightedRoundRobin roundRobin, int[] candidates, double[] weights, int picks)
    {
        var counts = new int[candidates.Max() + 1];
        for (var i = 0; i < picks; i++)
        {
            counts[candidates[roundRobin.Pick(candidates, weights)]]++;
        }

        return counts;
    }

    [Fact]
    public void Picks_are_spread_out_as_nginx_spreads_them()
    {
        var roundRobin = new SmoothWeightedRoundRobin(3);
        var sequence = Enumerable.Range(0, 14).Select(_ => "abc"[roundRobin.Pick([0, 1, 2], [5, 1, 1])]);

        Assert.Equal("aabacaaaabacaa", string.Concat(sequence));
    }

    [Fact]
    public void Over_100k_picks_each_destination_gets_its_weight_share()
    {
        double[] weights = [1, 2, 3, 0.5, 10];
        var counts = Run(new SmoothWeightedRoundRobin(5), [0, 1, 2, 3, 4], weights, 100_000);

        Simulation.AssertShares(counts, weights);
        // Exact up to one pick, not just within the tolerance.
        for (var i = 0; i < weights.Length; i++)
        {
            Assert.InRange(counts[i], (100_000 * weights[i] / weights.Sum()) - 1, (100_000 * weights[i] / weights.Sum()) + 1);
        }
    }

    [Fact]
    public void Equal_weights_are_plain_round_robin()
    {
        var roundRobin = new SmoothWeightedRoundRobin(3);

        Assert.Equal([0, 1, 2, 0, 1, 2], Enumerable.Range(0, 6).Select(_ => roundRobin.Pick([0, 1, 2], [1, 1, 1])));
    }

    [Fact]
    public void An_unavailable_destination_is_left_out_and_the_others_keep_their_shares()
    {
        var roundRobin = new SmoothWeightedRoundRobin(3);
        Run(roundRobin, [0, 1, 2], [1, 1, 2], 7);

        var counts = Run(roundRobin, [0, 2], [1, 2], 3_000);

        Assert.Equal(0, counts[1]);
        Assert.InRange(counts[0], 999, 1001);
        Assert.InRange(counts[2], 1999, 2001);
    }

    [Fact]
    public void Concurrent_picks_keep_the_shares()
    {
        var roundRobin = new SmoothWeightedRoundRobin(2);
        var counts = new int[2];
        Parallel.For(0, 40_000, _ => Interlocked.Increment(ref counts[roundRobin.Pick([0, 1], [1, 3])]));

        Assert.Equal([10_000, 30_000], counts);
    }
}
