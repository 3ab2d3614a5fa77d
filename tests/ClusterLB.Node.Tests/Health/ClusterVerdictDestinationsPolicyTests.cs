using ClusterLB.Core.Health;
using ClusterLB.Node.Health;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Tests.Health;

/// <summary>Which destinations take traffic, by their replicated verdicts (the decision alone).</summary>
public sealed class ClusterVerdictDestinationsPolicyTests
{
    private static readonly ClusterConfig Config = new() { ClusterId = "c" };

    private static List<DestinationState> Destinations(params DestinationHealth[] verdicts) =>
        verdicts.Select((verdict, i) => new DestinationState($"d{i}") { Health = { Active = verdict } }).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Healthy_and_unknown_destinations_take_traffic_unhealthy_ones_do_not(bool panic)
    {
        var all = Destinations(DestinationHealth.Healthy, DestinationHealth.Unhealthy, DestinationHealth.Unknown);

        var available = new ClusterVerdictDestinationsPolicy("p", panic).GetAvailalableDestinations(Config, all);

        Assert.Equal(["d0", "d2"], available.Select(d => d.DestinationId));
    }

    [Fact]
    public void With_none_unhealthy_every_destination_takes_traffic()
    {
        var all = Destinations(DestinationHealth.Healthy, DestinationHealth.Unknown);

        Assert.Equal(["d0", "d1"], new ClusterVerdictDestinationsPolicy("p", false).GetAvailalableDestinations(Config, all).Select(d => d.DestinationId));
    }

    [Fact]
    public void With_all_unhealthy_only_the_panic_policy_sends_traffic_and_then_to_all()
    {
        var all = Destinations(DestinationHealth.Unhealthy, DestinationHealth.Unhealthy);

        Assert.Empty(new ClusterVerdictDestinationsPolicy("p", panicWhenNoneHealthy: false).GetAvailalableDestinations(Config, all));
        Assert.Equal(["d0", "d1"], new ClusterVerdictDestinationsPolicy("p", panicWhenNoneHealthy: true).GetAvailalableDestinations(Config, all).Select(d => d.DestinationId));
    }

    private static ClusterConfig WithPanicThreshold(string percent) =>
        new() { ClusterId = "c", Metadata = new Dictionary<string, string> { [HealthPolicyMetadata.PanicThresholdPercent] = percent } };

    [Theory]
    [InlineData("50", 1, 3, true)]   // 33 % available: under 50 %
    [InlineData("50", 2, 4, false)]  // exactly 50 %: not under
    [InlineData("50", 1, 2, false)]
    [InlineData("100", 3, 4, true)]  // anything out
    [InlineData("0", 0, 3, false)]   // 0: never by share (and HealthyAndUnknown never panics)
    public void Under_the_panic_threshold_every_destination_takes_traffic(string threshold, int available, int total, bool panics)
    {
        var all = Destinations(Enumerable.Range(0, total).Select(i => i < available ? DestinationHealth.Unknown : DestinationHealth.Unhealthy).ToArray());

        var chosen = new ClusterVerdictDestinationsPolicy("p", panicWhenNoneHealthy: false).GetAvailalableDestinations(WithPanicThreshold(threshold), all);

        Assert.Equal(panics ? total : available, chosen.Count);
    }

    [Fact]
    public void The_panic_policy_still_panics_when_none_is_available_whatever_the_threshold()
    {
        var all = Destinations(DestinationHealth.Unhealthy, DestinationHealth.Unhealthy);

        Assert.Equal(2, new ClusterVerdictDestinationsPolicy("p", panicWhenNoneHealthy: true).GetAvailalableDestinations(WithPanicThreshold("0"), all).Count);
    }

    [Fact]
    public void With_none_unhealthy_or_when_panicking_it_allocates_nothing()
    {
        var policy = new ClusterVerdictDestinationsPolicy("p", panicWhenNoneHealthy: false);
        var config = WithPanicThreshold("50");
        var healthy = Destinations(DestinationHealth.Healthy, DestinationHealth.Unknown, DestinationHealth.Healthy);
        var panicking = Destinations(DestinationHealth.Healthy, DestinationHealth.Unhealthy, DestinationHealth.Unhealthy);
        policy.GetAvailalableDestinations(config, healthy);
        policy.GetAvailalableDestinations(config, panicking);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Assert.Same(healthy, policy.GetAvailalableDestinations(config, healthy));
            Assert.Same(panicking, policy.GetAvailalableDestinations(config, panicking));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
