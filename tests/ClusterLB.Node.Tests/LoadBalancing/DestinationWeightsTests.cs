using ClusterLB.Node.LoadBalancing;

namespace ClusterLB.Node.Tests.LoadBalancing;

public sealed class DestinationWeightsTests
{
    private static readonly Dictionary<string, string> SlowStart30s = new() { ["ClusterLB.SlowStart"] = "00:00:30", ["ClusterLB.SlowStart.InitialPercent"] = "10" };

    private static double[] WeightsAt(Clusters clusters, Yarp.ReverseProxy.Model.ClusterState cluster) =>
        clusters.Weights.Current(clusters.Weights.Of(cluster.Model));

    [Fact]
    public void Weights_come_from_destination_metadata_and_default_to_one()
    {
        var clusters = new Clusters();
        var cluster = Clusters.Cluster("WeightedRoundRobin", null, ("a", new Dictionary<string, string> { ["ClusterLB.Weight"] = "3" }), ("b", null));

        Assert.Equal([3, 1], WeightsAt(clusters, cluster));
        Assert.False(clusters.Weights.Of(cluster.Model).EqualWeights);
    }

    [Fact]
    public void A_destination_added_after_the_first_table_ramps_from_the_initial_share_to_its_weight()
    {
        var clusters = new Clusters();
        clusters.Applied("a");
        var cluster = Clusters.Cluster("WeightedRoundRobin", SlowStart30s, ("a", null), ("b", null));
        Assert.Equal([1, 1], WeightsAt(clusters, cluster));

        clusters.Applied("a", "b");
        var shares = new List<double>();
        for (var second = 0; second <= 40; second += 5)
        {
            var weights = WeightsAt(clusters, cluster);
            Assert.Equal(1, weights[0]);
            shares.Add(weights[1]);
            clusters.Clock.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Equal([0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1, 1, 1], shares.Select(s => Math.Round(s, 9)));
    }

    [Fact]
    public void Destinations_of_the_first_table_do_not_ramp()
    {
        var clusters = new Clusters();
        clusters.Applied("a", "b");
        clusters.Applied("a", "b");
        var cluster = Clusters.Cluster("WeightedRoundRobin", SlowStart30s, ("a", null), ("b", null));

        Assert.Equal([1, 1], WeightsAt(clusters, cluster));
    }

    [Fact]
    public void A_destination_ramps_from_its_replicated_healthy_verdict_time()
    {
        var clusters = new Clusters();
        clusters.Applied("a", "b");
        var cluster = Clusters.Cluster("WeightedRoundRobin", SlowStart30s, ("a", null), ("b", null));
        // The owner decided it 15 s ago: every node reads the same time, so every node is half way up the ramp.
        clusters.Healthy("b", clusters.Clock.GetUtcNow() - TimeSpan.FromSeconds(15));

        Assert.Equal([1, 0.55], WeightsAt(clusters, cluster).Select(w => Math.Round(w, 9)));
    }

    [Fact]
    public void An_operator_enabling_a_destination_starts_its_ramp_at_the_time_in_its_metadata()
    {
        var clusters = new Clusters();
        clusters.Applied("a", "b");
        var enabled = new Dictionary<string, string>
        {
            ["ClusterLB.AdminStateSince"] = (clusters.Clock.GetUtcNow() - TimeSpan.FromSeconds(10)).ToString("O"),
        };
        var cluster = Clusters.Cluster("WeightedRoundRobin", SlowStart30s, ("a", null), ("b", enabled));

        Assert.Equal([1, 0.4], WeightsAt(clusters, cluster).Select(w => Math.Round(w, 9)));
    }

    [Fact]
    public void The_latest_start_wins()
    {
        var clusters = new Clusters();
        clusters.Applied("a");
        clusters.Healthy("b", clusters.Clock.GetUtcNow() - TimeSpan.FromMinutes(5));
        clusters.Clock.Advance(TimeSpan.FromSeconds(20));
        clusters.Applied("a", "b");
        clusters.Clock.Advance(TimeSpan.FromSeconds(15));
        var cluster = Clusters.Cluster("WeightedRoundRobin", SlowStart30s, ("a", null), ("b", null));

        Assert.Equal([1, 0.55], WeightsAt(clusters, cluster).Select(w => Math.Round(w, 9)));
    }

    [Fact]
    public void Weights_are_parsed_once_per_configuration()
    {
        var clusters = new Clusters();
        var cluster = Clusters.Weighted("WeightedRoundRobin", 1, 2);

        Assert.Same(clusters.Weights.Of(cluster.Model), clusters.Weights.Of(cluster.Model));
        var changed = Clusters.Weighted("WeightedRoundRobin", 1, 5);
        Assert.Equal([1, 5], WeightsAt(clusters, changed));
    }
}
