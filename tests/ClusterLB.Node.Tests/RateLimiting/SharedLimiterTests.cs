using ClusterLB.Core.Policies;
using ClusterLB.Node.RateLimiting;

namespace ClusterLB.Node.Tests.RateLimiting;

/// <summary>Two nodes' limiters for one key on one clock: whatever the shares do, the two together keep the limit.</summary>
public sealed class SharedLimiterTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    public static TheoryData<string> Kinds => new() { RateLimitKinds.TokenBucket, RateLimitKinds.FixedWindow, RateLimitKinds.SlidingWindow };

    private static RateLimitPolicy HundredPerSecond(string kind) => new()
    {
        Kind = kind,
        PermitLimit = 100,
        Window = TimeSpan.FromSeconds(1),
        SegmentsPerWindow = 10,
        TokensPerPeriod = 100,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void When_the_demand_moves_to_one_node_it_gets_most_of_the_limit_and_the_two_never_admit_more_than_the_limit(string kind)
    {
        var clock = new ManualClock();
        var a = SharedLimiter.Create(HundredPerSecond(kind), 0.5, clock);
        var b = SharedLimiter.Create(HundredPerSecond(kind), 0.5, clock);
        var admitted = new List<DateTimeOffset>();
        void Offer(SharedLimiter limiter, int requests)
        {
            for (var i = 0; i < requests; i++)
            {
                using var lease = limiter.AttemptAcquire();
                if (lease.IsAcquired)
                {
                    admitted.Add(clock.Now);
                }
            }
        }

        // 3 s of even load at 4x the limit, then 3 s of all load on a; the rebalancing moves the share 250 ms later.
        for (var ms = 0; ms < 6000; ms += 10)
        {
            if (ms == 3250)
            {
                (a.Share, b.Share) = (0.975, 0.025);
            }

            Offer(a, 2);
            Offer(b, ms < 3000 ? 2 : 0);
            clock.Now += TimeSpan.FromMilliseconds(10);
        }

        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        int In(double from, double seconds) => admitted.Count(t => t >= start.AddSeconds(from) && t < start.AddSeconds(from + seconds));
        // From the second second on: a full token bucket may be spent at once in the first, on top of the rate.
        var busiestSecond = Enumerable.Range(100, 400).Max(i => In(i / 100.0, 1));
        Assert.InRange(busiestSecond, 90, 101);
        Assert.InRange(In(5, 1), 80, 101); // all load on a: a gets at least 80 % of the limit within 2 s of the shift
    }
}

public sealed class SharedConcurrencyTests
{
    [Fact]
    public void A_concurrency_limiter_admits_its_limit_at_once_and_one_more_when_a_permit_is_returned()
    {
        var limiter = SharedLimiter.Create(new RateLimitPolicy { Kind = RateLimitKinds.Concurrency, PermitLimit = 2 }, 1, TimeProvider.System);

        var first = limiter.AttemptAcquire();
        var second = limiter.AttemptAcquire();
        using var third = limiter.AttemptAcquire();

        Assert.True(first.IsAcquired);
        Assert.True(second.IsAcquired);
        Assert.False(third.IsAcquired);
        first.Dispose();
        using var fourth = limiter.AttemptAcquire();
        Assert.True(fourth.IsAcquired);
        second.Dispose();
    }
}
