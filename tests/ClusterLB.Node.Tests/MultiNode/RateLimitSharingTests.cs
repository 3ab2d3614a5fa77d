using System.Net;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiNode;

/// <summary>The configured rate limit is the cluster's: three nodes together admit about the limit, wherever the load arrives.</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class RateLimitSharingTests
{
    private const int PerSecond = 20;
    private static readonly TimeSpan Measured = TimeSpan.FromSeconds(3);

    private static RouteSettings Settings(Backends backends) => new RouteSettings()
        .Route("api", "/api", "backends")
        .With("ReverseProxy:Routes:api:RateLimiterPolicy", "twenty-a-second")
        .Cluster("backends", ("one", backends[0].Url))
        .With("ClusterLB:Policies:RateLimiting:twenty-a-second:Kind", "TokenBucket")
        .With("ClusterLB:Policies:RateLimiting:twenty-a-second:PermitLimit", $"{PerSecond}")
        .With("ClusterLB:Policies:RateLimiting:twenty-a-second:TokensPerPeriod", $"{PerSecond}")
        .With("ClusterLB:Policies:RateLimiting:twenty-a-second:ReplenishmentPeriod", "00:00:01");

    /// <summary>Requests admitted while every one of <paramref name="nodes"/> is offered far more than the limit for <paramref name="duration"/>.</summary>
    private static async Task<int> AdmittedAsync(IEnumerable<TestNode> nodes, TimeSpan duration)
    {
        var until = DateTime.UtcNow + duration;
        var admitted = 0;
        async Task Load(HttpClient proxy)
        {
            while (DateTime.UtcNow < until)
            {
                using var response = await proxy.GetAsync("/api/");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref admitted);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                }
            }
        }

        // Two callers per node keep every node far above its share.
        await Task.WhenAll(nodes.SelectMany(node => new[] { Load(node.Proxy), Load(node.Proxy) }));
        return admitted;
    }

    [Fact]
    public async Task Load_spread_over_three_nodes_is_admitted_about_the_limit_not_three_times_it()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var cluster = await TestCluster.StartAsync(3, Settings(backends));

        await AdmittedAsync(cluster.Running, TimeSpan.FromSeconds(2)); // the buckets' first fill is spent
        var admitted = await AdmittedAsync(cluster.Running, Measured);

        var limit = PerSecond * Measured.TotalSeconds;
        Assert.InRange(admitted, 0.6 * limit, 1.3 * limit); // margins for a loaded machine; bench/cluster-rate-limit.sh measures
    }

    [Fact]
    public async Task When_all_load_moves_to_one_node_that_node_gets_most_of_the_limit()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var cluster = await TestCluster.StartAsync(3, Settings(backends));
        await AdmittedAsync(cluster.Running, TimeSpan.FromSeconds(2));

        await AdmittedAsync([cluster[0]], TimeSpan.FromSeconds(2)); // the shift: the shares follow the demand
        var admitted = await AdmittedAsync([cluster[0]], Measured);

        var limit = PerSecond * Measured.TotalSeconds;
        Assert.InRange(admitted, 0.6 * limit, 1.3 * limit); // a fixed third per node would admit 0.33
    }
}
