using System.Net.Http.Json;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Affinity;

public sealed class OverrideTableTests
{
    [Fact]
    public async Task Override_table_stays_within_its_cap_and_counts_what_it_evicts()
    {
        await using var backends = await Backends.StartAsync("b1", "b2");
        var settings = new RouteSettings()
            .Route("keyed", "/keyed", "keyed")
            .Cluster("keyed", ("b1", backends[0].Url), ("b2", backends[1].Url))
            .KeyedHeaderAffinity("keyed")
            .FastActiveHealth("keyed")
            .With("ClusterLB:Affinity:Shards", "1")
            .With("ClusterLB:Affinity:MaxOverrides", "3");
        await using var node = await TestNode.StartAsync(settings);
        backends[1].FailingHealth = true;
        await Eventually.True(async () => (await Keyed(node, "probe")) == "b1" && (await Keyed(node, "probe-2")) == "b1", TimeSpan.FromSeconds(20), "b2 out");

        // About half of 30 keys live on b2; each one that moves needs an override, over the cap of 3.
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("b1", await Keyed(node, $"user-{i}"));
        }

        var affinity = await Eventually.Get(
            async () => (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Affinity is { Evictions: > 0, Overrides: <= 3 } a ? a : null,
            TimeSpan.FromSeconds(10),
            "evictions counted and the table back within its cap");
        Assert.Equal(3, affinity.Capacity);
    }

    private static Task<string> Keyed(TestNode node, string key) => KeyedRequests.BackendFor(node.Proxy, key);
}
