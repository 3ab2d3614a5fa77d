using System.Net;
using ClusterLB.Node.Tests.Caching;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiNode;

/// <summary>A purge asked of any node empties the caches of every node of the cluster.</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class CachePurgeTests
{
    [Fact]
    public async Task A_purge_on_one_node_makes_every_node_miss()
    {
        await using var origin = await CacheOrigin.StartAsync();
        await using var cluster = await TestCluster.StartAsync(3, ResponseCacheTests.Settings(origin));
        const string url = "/cached/catalog?cc=max-age=600";
        foreach (var node in cluster.Running)
        {
            await Eventually.True(async () => await CacheOfAsync(node, url) == "HIT", TimeSpan.FromSeconds(15), "the answer cached on every node");
        }

        using var purge = await cluster[1].Admin.PostAsync("/admin/cache/purge", Json.Body("{}"));
        Assert.Equal(HttpStatusCode.Accepted, purge.StatusCode);

        foreach (var node in cluster.Running)
        {
            // The first request after the purge misses (and stores the answer again).
            await Eventually.True(async () => await CacheOfAsync(node, url) == "MISS", TimeSpan.FromSeconds(10), "a miss after the purge");
        }

        Assert.True(origin.Full("/catalog") >= 6, $"each node fetched the answer before and after the purge ({origin.Full("/catalog")} fetches)");
    }

    private static async Task<string?> CacheOfAsync(TestNode node, string url)
    {
        using var response = await node.Proxy.GetAsync(url);
        return response.Headers.TryGetValues("X-Cache", out var values) ? values.Single() : null;
    }
}
