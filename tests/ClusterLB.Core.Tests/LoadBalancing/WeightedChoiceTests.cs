using ClusterLB.Core.LoadBalancing;

namespace ClusterLB.Core.Tests.LoadBalancing;

public sealed class WeightedChoiceTests
{
    private static readonly double[] Weights = [1, 2, 3, 4];

    [Fact]
    public void The_two_draws_differ_and_follow_the_weights()
    {
        var random = new Random(1);
        var firsts = new int[Weights.Length];
        for (var i = 0; i < 100_000; i++)
        {
            var (first, second) = WeightedChoice.DrawTwo(Weights, random);
            Assert.NotEqual(first, second);
            firsts[first]++;
        }

        Simulation.AssertShares(firsts, Weights);
    }

    [Fact]
    public void Weighted_power_of_two_choices_sends_each_destination_its_weight_share_under_load()
    {
        var random = new Random(2);
        var simulation = new Simulation(Weights.Length, concurrency: 200, seed: 3).Run(100_000, outstanding =>
        {
            var (first, second) = WeightedChoice.DrawTwo(Weights, random);
            return WeightedChoice.Lighter(first, second, Weights, outstanding);
        });

        Simulation.AssertShares(simulation.Picks, Weights);
    }

    [Fact]
    public void Weighted_least_requests_sends_each_destination_its_weight_share_under_load()
    {
        var simulation = new Simulation(Weights.Length, concurrency: 50, seed: 4)
            .Run(100_000, outstanding => WeightedChoice.Least(Weights, outstanding));

        Simulation.AssertShares(simulation.Picks, Weights);
    }

    [Fact]
    public void Least_requests_compares_outstanding_requests_relative_to_weight()
    {
        // 3 in flight at weight 4 is a lighter share than 1 in flight at weight 1.
        Assert.Equal(1, WeightedChoice.Least([1, 4], [1, 3]));
        Assert.Equal(0, WeightedChoice.Least([1, 4], [0, 9]));
        Assert.Equal(-1, WeightedChoice.Least([], []));
    }

    [Fact]
    public void With_equal_weights_the_picks_are_YARPs()
    {
        // YARP's LeastRequests: the first with the fewest; its PowerOfTwoChoices: the first unless the second has fewer.
        Assert.Equal(1, WeightedChoice.Least([1, 1, 1], [3, 1, 1]));
        Assert.Equal(0, WeightedChoice.Lighter(0, 1, [1, 1], [2, 2]));
        Assert.Equal(1, WeightedChoice.Lighter(0, 1, [1, 1], [2, 1]));

        var random = new Random(5);
        var counts = new int[4];
        for (var i = 0; i < 100_000; i++)
        {
            var (first, second) = WeightedChoice.DrawTwo(4, random);
            Assert.NotEqual(first, second);
            counts[first]++;
            counts[second]++;
        }

        Simulation.AssertShares(counts, [1, 1, 1, 1]);
    }
}
