using ClusterLB.Core.Hashing;
using ClusterLB.Node.LoadBalancing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Tests.LoadBalancing;

public sealed class PolicyPickTests
{
    private static ILoadBalancingPolicy Policy(string name, DestinationWeights weights) => name switch
    {
        "WeightedRoundRobin" => new WeightedRoundRobinPolicy(weights),
        "PowerOfTwoChoices" => new WeightedPowerOfTwoChoicesPolicy(weights),
        "LeastRequests" => new WeightedLeastRequestsPolicy(weights),
        "PeakEwma" => new PeakEwmaPolicy(weights),
        _ => new ConsistentHashPolicy(weights),
    };

    private static HttpContext Keyed(string key)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-User"] = key;
        return context;
    }

    [Theory]
    [InlineData("WeightedRoundRobin", 3)]
    [InlineData("WeightedRoundRobin", 30)]
    [InlineData("PowerOfTwoChoices", 3)]
    [InlineData("PowerOfTwoChoices", 30)]
    [InlineData("LeastRequests", 3)]
    [InlineData("LeastRequests", 30)]
    [InlineData("PeakEwma", 3)]
    [InlineData("PeakEwma", 30)]
    [InlineData("ConsistentHash", 3)]
    [InlineData("ConsistentHash", 30)]
    public void A_pick_allocates_nothing(string name, int count)
    {
        var clusters = new Clusters();
        var policy = Policy(name, clusters.Weights);
        var weighted = Clusters.Weighted(name, Enumerable.Range(1, count).Select(i => (double)(i % 4) + 1).ToArray());
        var unweighted = Clusters.Weighted(name, Enumerable.Repeat(1.0, count).ToArray());
        var keyed = Keyed("alice");
        foreach (var cluster in new[] { weighted, unweighted })
        {
            var available = cluster.DestinationsState.AvailableDestinations;
            // The first picks make the cluster's balance and meet each destination once.
            for (var i = 0; i < 200; i++)
            {
                policy.PickDestination(keyed, cluster, available);
            }

            const int picks = 10_000;
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < picks; i++)
            {
                Assert.NotNull(policy.PickDestination(keyed, cluster, available));
            }

            // Under a byte per pick: nothing per pick (the runtime may allocate once in the window, as it tiers code up).
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, picks - 1);
        }
    }

    [Fact]
    public void Weighted_round_robin_through_the_policy_gives_each_destination_its_weight_share()
    {
        var clusters = new Clusters();
        var cluster = Clusters.Weighted("WeightedRoundRobin", 1, 2, 5);
        var policy = new WeightedRoundRobinPolicy(clusters.Weights);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < 80_000; i++)
        {
            var picked = policy.PickDestination(new DefaultHttpContext(), cluster, cluster.DestinationsState.AvailableDestinations)!;
            counts[picked.DestinationId] = counts.GetValueOrDefault(picked.DestinationId) + 1;
        }

        Assert.Equal([10_000, 20_000, 50_000], new[] { "d0", "d1", "d2" }.Select(d => counts[d]));
    }

    [Fact]
    public void Without_weights_the_replaced_policies_pick_as_YARPs_do()
    {
        var clusters = new Clusters();
        var cluster = Clusters.Weighted("LeastRequests", 1, 1, 1);
        var available = cluster.DestinationsState.AvailableDestinations;
        available[0].ConcurrentRequestCount = 2;
        available[1].ConcurrentRequestCount = 1;
        available[2].ConcurrentRequestCount = 1;

        // YARP's LeastRequests: the first with the fewest requests.
        Assert.Same(available[1], new WeightedLeastRequestsPolicy(clusters.Weights).PickDestination(new DefaultHttpContext(), cluster, available));

        // YARP's PowerOfTwoChoices: never the busiest of three when the other two are idle... unless drawn with no lighter one.
        var twoChoices = new WeightedPowerOfTwoChoicesPolicy(clusters.Weights);
        var picks = Enumerable.Range(0, 3_000).Select(_ => twoChoices.PickDestination(new DefaultHttpContext(), cluster, available)!.DestinationId).ToList();
        Assert.DoesNotContain("d0", picks);
        Assert.InRange(picks.Count(p => p == "d1"), 1_350, 1_650);
    }

    [Fact]
    public void Consistent_hash_sends_a_key_where_the_table_says_on_every_node_and_moves_it_off_an_unavailable_destination()
    {
        var nodeA = new Clusters();
        var nodeB = new Clusters();
        var clusterA = Clusters.Weighted("ConsistentHash", 1, 1, 1, 1);
        var clusterB = Clusters.Weighted("ConsistentHash", 1, 1, 1, 1);
        var policyA = new ConsistentHashPolicy(nodeA.Weights);
        var policyB = new ConsistentHashPolicy(nodeB.Weights);
        var table = Core.LoadBalancing.ConsistentHashing.BuildTable(new[] { "d0", "d1", "d2", "d3" }.Select(d => StableHash.Of(d)).ToArray());

        for (var i = 0; i < 1_000; i++)
        {
            var key = $"user-{i}";
            var a = policyA.PickDestination(Keyed(key), clusterA, clusterA.DestinationsState.AvailableDestinations)!.DestinationId;
            Assert.Equal($"d{table.Lookup(StableHash.Of(key))}", a);
            Assert.Equal(a, policyB.PickDestination(Keyed(key), clusterB, clusterB.DestinationsState.AvailableDestinations)!.DestinationId);

            var withoutD2 = clusterA.DestinationsState.AvailableDestinations.Where(d => d.DestinationId != "d2").ToList();
            var moved = policyA.PickDestination(Keyed(key), clusterA, withoutD2)!.DestinationId;
            Assert.Equal(a == "d2" ? moved : a, moved);
            Assert.NotEqual("d2", moved);
            Assert.Equal(moved, policyB.PickDestination(Keyed(key), clusterB, clusterB.DestinationsState.AvailableDestinations.Where(d => d.DestinationId != "d2").ToList())!.DestinationId);
        }

        // No key: balanced anyway.
        Assert.NotNull(policyA.PickDestination(new DefaultHttpContext(), clusterA, clusterA.DestinationsState.AvailableDestinations));
    }
}
