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
}
