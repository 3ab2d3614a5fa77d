using ClusterLB.Core.Retries;
using Microsoft.Extensions.Time.Testing;

namespace ClusterLB.Core.Tests.Retries;

/// <summary>The retry budget: a share of the requests over a ten-second window, with a floor per second.</summary>
public sealed class RetryBudgetTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    [Fact]
    public void Retries_reach_the_percentage_of_the_requests_and_no_further()
    {
        var budget = new RetryBudget(_time, percent: 20, minPerSecond: 0);
        Deposit(budget, 100);

        Assert.Equal(20, Withdraw(budget, 100));
    }

    [Fact]
    public void The_minimum_per_second_lets_low_traffic_retry()
    {
        var budget = new RetryBudget(_time, percent: 20, minPerSecond: 3);
        Deposit(budget, 2);

        Assert.Equal(3, Withdraw(budget, 10));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, Withdraw(budget, 10)); // a new second, three more
    }

    [Fact]
    public void A_burst_retries_at_most_the_larger_of_the_minimum_and_the_percentage()
    {
        var budget = new RetryBudget(_time, percent: 20, minPerSecond: 10);
        var retried = 0;
        for (var i = 0; i < 300; i++)
        {
            budget.Deposit();
            retried += budget.TryWithdraw() ? 1 : 0;
        }

        Assert.Equal(60, retried); // max(10, 20 % of 300)
    }

    [Fact]
    public void Requests_older_than_the_window_no_longer_earn_retries()
    {
        var budget = new RetryBudget(_time, percent: 50, minPerSecond: 0);
        Deposit(budget, 10);
        _time.Advance(TimeSpan.FromSeconds(RetryBudget.WindowSeconds - 1));
        Assert.Equal(1, Withdraw(budget, 1)); // still inside the window: half of 10 ...
        Assert.Equal(4, Withdraw(budget, 10)); // ... five in all

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, Withdraw(budget, 10)); // the requests left the window, the retries of the last second stay
        Assert.Equal((0, 5), budget.InWindow());

        _time.Advance(TimeSpan.FromSeconds(RetryBudget.WindowSeconds));
        Assert.Equal((0, 0), budget.InWindow());
    }

    [Fact]
    public void Retries_spent_earlier_in_the_window_count_against_later_seconds()
    {
        var budget = new RetryBudget(_time, percent: 10, minPerSecond: 0);
        Deposit(budget, 100);
        Assert.Equal(10, Withdraw(budget, 100));

        _time.Advance(TimeSpan.FromSeconds(3));
        Deposit(budget, 10);
        Assert.Equal(1, Withdraw(budget, 100)); // 10 % of 110, less the 10 already taken
    }

    [Fact]
    public void A_zero_budget_without_a_minimum_never_retries()
    {
        var budget = new RetryBudget(_time, percent: 0, minPerSecond: 0);
        Deposit(budget, 1000);

        Assert.False(budget.TryWithdraw());
    }

    [Fact]
    public async Task Concurrent_withdrawals_never_pass_the_limit()
    {
        var budget = new RetryBudget(_time, percent: 10, minPerSecond: 0);
        Deposit(budget, 1000);
        var granted = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
            {
                if (budget.TryWithdraw())
                {
                    Interlocked.Increment(ref granted);
                }
            }
        })));

        Assert.Equal(100, granted);
    }

    private static void Deposit(RetryBudget budget, int requests)
    {
        for (var i = 0; i < requests; i++)
        {
            budget.Deposit();
        }
    }

    private static int Withdraw(RetryBudget budget, int tries) => Enumerable.Range(0, tries).Count(_ => budget.TryWithdraw());
}
