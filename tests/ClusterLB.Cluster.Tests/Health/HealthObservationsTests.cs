using ClusterLB.Cluster.Health;
using ClusterLB.Core.Health;

namespace ClusterLB.Cluster.Tests.Health;

/// <summary>What of a node's owned destinations its member report carries.</summary>
public class HealthObservationsTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static OwnedDestinationHealth Owned(int i, bool probeFails = false, int passiveFailures = 0) => new(
        $"app/d{i:D5}",
        [new ProbeRecord(At, true, 200, 1.0, null), new ProbeRecord(At.AddSeconds(1), !probeFails, probeFails ? null : 200, 1.0, probeFails ? "probe timed out" : null)],
        passiveFailures > 0 ? new PassiveCount(passiveFailures, 10) : null,
        10);

    [Fact]
    public void Up_to_the_cap_every_owned_destination_is_reported()
    {
        var owned = Enumerable.Range(0, 5).Select(i => Owned(i)).ToList();

        Assert.Same(owned, HealthObservations.MostTelling(owned, 5));
    }

    [Fact]
    public void Over_the_cap_failing_destinations_are_reported_first_in_key_order()
    {
        var owned = Enumerable.Range(0, 1000).Select(i => Owned(i, probeFails: i is 700 or 999, passiveFailures: i == 500 ? 3 : 0)).ToList();

        var reported = HealthObservations.MostTelling(owned, 10);

        Assert.Equal(10, reported.Count);
        Assert.Equal(reported.Select(o => o.Key).Order(StringComparer.Ordinal), reported.Select(o => o.Key));
        Assert.Contains(reported, o => o.Key == "app/d00500");
        Assert.Contains(reported, o => o.Key == "app/d00700");
        Assert.Contains(reported, o => o.Key == "app/d00999");
        Assert.Equal(["app/d00000", "app/d00001", "app/d00002", "app/d00003", "app/d00004", "app/d00005", "app/d00006"],
            reported.Select(o => o.Key).Where(k => k is not ("app/d00500" or "app/d00700" or "app/d00999")));
    }
}
