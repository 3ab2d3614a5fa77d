using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.MultiNode;

namespace ClusterLB.Node.Tests.Splitting;

[Collection(MultiNodeCollection.Name)]
public sealed class TrafficSplitTests
{
    private const int Keys = 1000;

    [Fact]
    public async Task Canary_split_sticks_each_user_to_one_side_on_every_node_and_a_changed_split_moves_only_the_users_that_must_move()
    {
        await using var backends = await Backends.StartAsync("stable-1", "canary-1");
        await using var cluster = await TestCluster.StartAsync(2, new RouteSettings()
            .Route("app", "/app", "stable")
            .Cluster("stable", ("s1", backends[0].Url))
            .Cluster("canary", ("c1", backends[1].Url))
            .With("ReverseProxy:Routes:app:Metadata:ClusterLB.Split", "stable=90,canary=10")
            .With("ReverseProxy:Routes:app:Metadata:ClusterLB.Split.Key", "Header:X-User"));

        var before = await SidesAsync(cluster[0].Proxy);
        Assert.Equal(before, await SidesAsync(cluster[1].Proxy));
        Assert.InRange(before.Count(b => b == "canary-1"), 60, 140); // about 10 % of 1000

        var put = await cluster[1].Admin.PutAsJsonAsync("/admin/routes/app", new
        {
            clusterId = "stable",
            match = new { path = "/app/{**rest}" },
            metadata = new Dictionary<string, string> { ["ClusterLB.Split"] = "stable=80,canary=20", ["ClusterLB.Split.Key"] = "Header:X-User" },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        await cluster.WaitForVersionAsync((await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());

        var after = await SidesAsync(cluster[0].Proxy);
        Assert.Equal(after, await SidesAsync(cluster[1].Proxy));
        var moved = Enumerable.Range(0, Keys).Where(i => before[i] != after[i]).ToList();
        Assert.All(moved, i => Assert.Equal(("stable-1", "canary-1"), (before[i], after[i])));
        Assert.InRange(moved.Count, 60, 140); // about the 10 % that had to move
    }

    [Fact]
    public async Task Split_without_a_key_spreads_requests_by_percentage()
    {
        await using var backends = await Backends.StartAsync("stable-1", "canary-1");
        await using var node = await TestNode.StartAsync(new RouteSettings()
            .Route("app", "/app", "stable")
            .Cluster("stable", ("s1", backends[0].Url))
            .Cluster("canary", ("c1", backends[1].Url))
            .With("ReverseProxy:Routes:app:Metadata:ClusterLB.Split", "stable=70,canary=30"));

        var canary = 0;
        for (var i = 0; i < 600; i++)
        {
            using var response = await node.Proxy.GetAsync("/app/x");
            canary += response.Headers.GetValues(EchoServer.BackendHeader).Single() == "canary-1" ? 1 : 0;
        }

        Assert.InRange(canary, 130, 230); // 30 % of 600 is 180; 130-230 is beyond four standard deviations
    }

    [Fact]
    public async Task Cached_answers_of_a_split_route_stay_on_their_side()
    {
        await using var backends = await Backends.StartAsync("stable-1", "canary-1");
        await using var node = await TestNode.StartAsync(new RouteSettings()
            .Route("app", "/app", "stable")
            .Cluster("stable", ("s1", backends[0].Url))
            .Cluster("canary", ("c1", backends[1].Url))
            .With("ReverseProxy:Routes:app:OutputCachePolicy", "pages")
            .With("ClusterLB:Policies:OutputCache:pages:DefaultTtl", "00:01:00")
            .With("ReverseProxy:Routes:app:Metadata:ClusterLB.Split", "stable=50,canary=50")
            .With("ReverseProxy:Routes:app:Metadata:ClusterLB.Split.Key", "Header:X-User"));
        var sides = await SidesAsync(node.Proxy);
        var stableUser = Array.IndexOf(sides, "stable-1");
        var canaryUser = Array.IndexOf(sides, "canary-1");

        // Each side's first answer for the page is cached; the other side must not get it.
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal("stable-1", await BackendForAsync(node.Proxy, $"user-{stableUser}", "/app/page"));
            Assert.Equal("canary-1", await BackendForAsync(node.Proxy, $"user-{canaryUser}", "/app/page"));
        }
    }

    private static async Task<string> BackendForAsync(HttpClient proxy, string user, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-User", user);
        using var response = await proxy.SendAsync(request);
        return response.Headers.GetValues(EchoServer.BackendHeader).Single();
    }

    private static async Task<string[]> SidesAsync(HttpClient proxy)
    {
        var sides = new string[Keys];
        for (var i = 0; i < Keys; i++)
        {
            sides[i] = await BackendForAsync(proxy, $"user-{i}", "/app/x");
        }

        return sides;
    }
}
