using System.Net.Http.Json;
using ClusterLB.Core.Hashing;
using ClusterLB.Core.LoadBalancing;
using ClusterLB.EchoBackend;
using ClusterLB.Node.LoadBalancing;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.LoadBalancing;

namespace ClusterLB.Node.Tests.LoadBalancing;

public sealed class LoadBalancingProxyTests
{
    private static async Task<string> BackendFor(HttpClient proxy, string path)
    {
        using var response = await proxy.GetAsync(path);
        return response.Headers.TryGetValues(EchoServer.BackendHeader, out var names) ? names.Single() : $"error {(int)response.StatusCode}";
    }

    private static async Task<Dictionary<string, int>> Count(HttpClient proxy, string path, int requests)
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < requests; i++)
        {
            var backend = await BackendFor(proxy, path);
            counts[backend] = counts.GetValueOrDefault(backend) + 1;
        }

        return counts;
    }

    [Fact]
    public void The_weighted_policies_replace_YARPs_and_every_name_is_registered_once()
    {
        var services = new ServiceCollection();
        services.AddReverseProxy();
        Hosting.PolicyRegistration.AddClusterLBPolicies(services);
        var names = services.Where(s => s.ServiceType == typeof(ILoadBalancingPolicy))
            .Select(s => s.ImplementationType?.Name ?? s.ImplementationInstance?.GetType().Name ?? "factory")
            .ToList();

        Assert.Contains(nameof(WeightedPowerOfTwoChoicesPolicy), names);
        Assert.Contains(nameof(WeightedLeastRequestsPolicy), names);
        Assert.DoesNotContain("PowerOfTwoChoicesLoadBalancingPolicy", names);
        Assert.DoesNotContain("LeastRequestsLoadBalancingPolicy", names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public async Task Weighted_round_robin_sends_each_backend_its_weight_share()
    {
        await using var backends = await Backends.StartAsync("b1", "b2");
        var settings = new RouteSettings()
            .Route("api", "/api", "weighted")
            .Cluster("weighted", ("d1", backends[0].Url), ("d2", backends[1].Url))
            .With("ReverseProxy:Clusters:weighted:LoadBalancingPolicy", "WeightedRoundRobin")
            .With("ReverseProxy:Clusters:weighted:Destinations:d2:Metadata:ClusterLB.Weight", "3");
        await using var node = await TestNode.StartAsync(settings);

        var counts = await Count(node.Proxy, "/api/", 200);

        Assert.Equal(50, counts.GetValueOrDefault("b1"));
        Assert.Equal(150, counts.GetValueOrDefault("b2"));
    }

    [Fact]
    public async Task Consistent_hash_sends_each_key_to_the_backend_its_Maglev_table_names()
    {
        string[] ids = ["d1", "d2", "d3"];
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        var settings = new RouteSettings()
            .Route("keyed", "/keyed", "hashed")
            .Cluster("hashed", ("d1", backends[0].Url), ("d2", backends[1].Url), ("d3", backends[2].Url))
            .With("ReverseProxy:Clusters:hashed:LoadBalancingPolicy", "ConsistentHash")
            .With("ReverseProxy:Clusters:hashed:Metadata:ClusterLB.HashKey", $"Header:{KeyedRequests.KeyHeader}");
        await using var node = await TestNode.StartAsync(settings);
        var table = ConsistentHashing.BuildTable(ids.Select(id => StableHash.Of(id)).ToArray());

        var used = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            var key = $"user-{i}";
            var expected = $"b{table.Lookup(StableHash.Of(key)) + 1}";
            Assert.Equal(expected, await KeyedRequests.BackendFor(node.Proxy, key));
            Assert.Equal(expected, await KeyedRequests.BackendFor(node.Proxy, key));
            used.Add(expected);
        }

        Assert.Equal(3, used.Count);
        Assert.StartsWith("b", await BackendFor(node.Proxy, "/keyed/"));
    }

    [Fact]
    public async Task PeakEwma_moves_load_away_from_a_backend_that_gets_slow()
    {
        await using var backends = await Backends.StartAsync("b1", "b2");
        var settings = new RouteSettings()
            .Route("api", "/api", "ewma")
            .Cluster("ewma", ("d1", backends[0].Url), ("d2", backends[1].Url))
            .With("ReverseProxy:Clusters:ewma:LoadBalancingPolicy", "PeakEwma");
        await using var node = await TestNode.StartAsync(settings);

        var before = await Count(node.Proxy, "/api/", 100);
        Assert.True(before.GetValueOrDefault("b2") > 0, "both backends are in use while both are fast");

        // Far above what a fast answer takes even on a busy machine, where the fast one's own latency
        // spikes by tens of milliseconds and could otherwise cross the slow one's decaying estimate.
        backends[1].InjectedLatency = TimeSpan.FromMilliseconds(200);
        var after = await Count(node.Proxy, "/api/", 100);

        Assert.True(after.GetValueOrDefault("b2") <= 5, $"the slow backend still got {after.GetValueOrDefault("b2")} of 100 requests");
        Assert.Equal(100, after.GetValueOrDefault("b1") + after.GetValueOrDefault("b2"));
    }

    [Fact]
    public async Task A_destination_added_with_slow_start_gets_a_small_share_first_then_its_full_share()
    {
        await using var backends = await Backends.StartAsync("b1", "b2");
        var settings = new RouteSettings()
            .Route("api", "/api", "ramp")
            .Cluster("ramp", ("d1", backends[0].Url))
            .With("ReverseProxy:Clusters:ramp:LoadBalancingPolicy", "WeightedRoundRobin")
            .With("ReverseProxy:Clusters:ramp:Metadata:ClusterLB.SlowStart", "00:00:10")
            .With("ReverseProxy:Clusters:ramp:Metadata:ClusterLB.SlowStart.InitialPercent", "10");
        await using var node = await TestNode.StartAsync(settings);
        Assert.Equal(new Dictionary<string, int> { ["b1"] = 20 }, await Count(node.Proxy, "/api/", 20));

        using var added = await node.Admin.PutAsJsonAsync("/admin/clusters/ramp/destinations/d2", new { address = backends[1].Url });
        added.EnsureSuccessStatusCode();
        await Eventually.True(async () => await BackendFor(node.Proxy, "/api/") == "b2", TimeSpan.FromSeconds(10), "the new destination in use");

        // Within about a second of its arrival it weighs 0.1 to 0.2 against 1: a small share.
        var first = await Count(node.Proxy, "/api/", 100);
        Assert.InRange(first.GetValueOrDefault("b2"), 1, 25);

        // Ten seconds after its arrival it weighs as much as the other.
        await Eventually.True(
            async () => (await Count(node.Proxy, "/api/", 100)).GetValueOrDefault("b2") == 50,
            TimeSpan.FromSeconds(30),
            "the new destination at its full share");
    }
}
