using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class RoutingTableReplicationTests
{
    [Fact]
    public async Task Change_accepted_by_any_node_runs_on_every_node()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        await using var cluster = await TestCluster.StartAsync(3, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));

        // Node 3 does not host the writer (node 1, the oldest, does); any node takes changes.
        var put = await cluster[2].Admin.PutAsJsonAsync("/admin/clusters/two", new { destinations = new { beta = new { address = backends[1].Url } } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        put = await cluster[2].Admin.PutAsJsonAsync("/admin/routes/b", new { clusterId = "two", match = new { path = "/b/{**rest}" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var version = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();

        await cluster.WaitForVersionAsync(version);
        foreach (var node in cluster.Running)
        {
            using var response = await node.Proxy.GetAsync("/b/x");
            Assert.Equal("beta", response.Headers.GetValues(EchoServer.BackendHeader).Single());
        }
    }

    [Fact]
    public async Task Invalid_change_is_refused_naming_the_field_and_nothing_changes_anywhere()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var cluster = await TestCluster.StartAsync(3, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));

        var unknownCluster = await cluster[1].Admin.PutAsJsonAsync("/admin/routes/b", new { clusterId = "nowhere", match = new { path = "/b/{**rest}" } });
        var badAddress = await cluster[2].Admin.PutAsJsonAsync("/admin/clusters/one/destinations/x", new { address = "not-a-url" });
        var misspelled = await cluster[1].Admin.PutAsJsonAsync("/admin/routes/b", new { clusterId = "one", mtach = new { path = "/b" } });
        var missing = await cluster[1].Admin.DeleteAsync("/admin/routes/ghost");
        var duplicate = await cluster[1].Admin.PostAsJsonAsync("/admin/routes/a", new { clusterId = "one", match = new { path = "/a2" } });

        await AssertRejected(unknownCluster, HttpStatusCode.BadRequest, "Routes:b:ClusterId");
        await AssertRejected(badAddress, HttpStatusCode.BadRequest, "Clusters:one:Destinations:x:Address");
        await AssertRejected(misspelled, HttpStatusCode.BadRequest, "mtach");
        await AssertRejected(missing, HttpStatusCode.NotFound, "Routes:ghost");
        await AssertRejected(duplicate, HttpStatusCode.Conflict, "Routes:a");
        foreach (var node in cluster.Running)
        {
            Assert.Equal(1, (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.RoutingTable!.Version);
        }
    }

    [Fact]
    public async Task Losing_the_writer_host_loses_no_committed_change_and_writes_resume()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        await using var cluster = await TestCluster.StartAsync(3, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));
        var status = await cluster[0].Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
        Assert.True(status!.HostsRoutingTableWriter, "the oldest node hosts the writer");
        var added = await cluster[1].Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);

        await cluster.StopNodeAsync(0);

        // Writes resume once the writer has moved and recovered from the shared journal.
        var version = await Eventually.Get(
            async () =>
            {
                var put = await cluster[2].Admin.PutAsJsonAsync("/admin/routes/b", new { clusterId = "one", match = new { path = "/b/{**rest}" } });
                return put.IsSuccessStatusCode ? (long?)(await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64() : null;
            },
            TimeSpan.FromSeconds(30),
            "a write accepted after the writer host left");

        Assert.Equal(3, version);
        await cluster.WaitForVersionAsync(3);
        var table = await cluster[1].Admin.GetFromJsonAsync<JsonElement>("/admin/routing-table");
        Assert.True(table.GetProperty("clusters").GetProperty("one").GetProperty("destinations").TryGetProperty("beta", out _), "the change made before the handover is kept");
        Assert.True(table.GetProperty("routes").TryGetProperty("b", out _));
    }

    [Fact]
    public async Task Full_cluster_restart_comes_back_with_the_last_committed_version()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        await using var cluster = await TestCluster.StartAsync(3, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));
        await cluster[1].Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url });
        await cluster.WaitForVersionAsync(2);

        await cluster.RestartAllAsync();

        foreach (var node in cluster.Running)
        {
            var table = (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.RoutingTable!;
            Assert.Equal(2, table.Version);
            Assert.Equal("Cluster", table.Source);
        }
    }

    private static async Task AssertRejected(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains(field, body);
    }
}
