using ClusterLB.Core.Health;

namespace ClusterLB.Core.Tests.Health;

public sealed class OutlierPolicyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Theory]
    [InlineData(50, 3, 1)]   // the first is always allowed: 1 of 3 is 33 %
    [InlineData(50, 4, 2)]
    [InlineData(50, 1, 1)]   // Envoy's rule: at least one, even when that is 100 %
    [InlineData(10, 5, 1)]
    [InlineData(100, 3, 3)]
    [InlineData(0, 10, 0)]   // 0 turns ejection off
    public void The_cap_allows_the_first_ejection_and_then_only_within_the_percentage(int percent, int destinations, int most)
    {
        var policy = OutlierPolicy.Default with { MaxEjectionPercent = percent };

        Assert.Equal(most, policy.MostEjected(destinations));
        Assert.True(Enumerable.Range(0, most).All(ejected => policy.MayEject(ejected, destinations)));
        Assert.False(policy.MayEject(most, destinations));
    }

    [Fact]
    public void Ejections_over_the_cap_give_way_latest_first_the_same_on_every_owner()
    {
        var ejections = new[] { ("c/b", Now.AddMilliseconds(5)), ("c/a", Now.AddMilliseconds(5)), ("c/z", Now) };

        var lifted = OutlierPolicy.Default.OverCap(ejections, destinations: 3).ToList();

        Assert.Equal(["c/a", "c/b"], lifted);
        Assert.Equal(lifted, OutlierPolicy.Default.OverCap(ejections.Reverse(), destinations: 3));
    }

    [Fact]
    public void Ejection_time_is_never_shorter_than_the_base_even_when_the_maximum_is()
    {
        var policy = OutlierPolicy.Default with { BaseEjectionTime = TimeSpan.FromMinutes(10), MaxEjectionTime = TimeSpan.FromMinutes(5) };

        Assert.Equal(TimeSpan.FromMinutes(10), policy.EjectionTime(3));
        Assert.Equal(TimeSpan.FromSeconds(300), OutlierPolicy.Default.EjectionTime(int.MaxValue));
    }

    [Fact]
    public void Windows_of_several_nodes_add_up_their_failures_in_a_row()
    {
        var allFailed = new PassiveCount(3, 3);
        var failedAfterSuccess = new PassiveCount(2, 5, FailuresSinceSuccess: 1);
        var failedAfterOtherSuccess = new PassiveCount(1, 4, FailuresSinceSuccess: 1);

        Assert.Equal(new PassiveCount(5, 8, 4), allFailed.Add(failedAfterSuccess));
        Assert.Equal(new PassiveCount(5, 8, 4), failedAfterSuccess.Add(allFailed));
        Assert.Equal(new PassiveCount(6, 6, 6), allFailed.Add(allFailed));
        Assert.Equal(1, failedAfterSuccess.Add(failedAfterOtherSuccess).Trailing); // both saw a success: the longer run
    }

    [Fact]
    public void A_node_that_does_not_count_failures_in_a_row_reads_as_a_run_only_when_nothing_succeeded()
    {
        Assert.Equal(0, new PassiveCount(3, 10).Trailing);
        Assert.Equal(3, new PassiveCount(3, 3).Trailing);
    }
}
