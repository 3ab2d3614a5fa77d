using System.Net;
using System.Net.Http.Json;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Persistence;

/// <summary>The production journal: a real PostgreSQL server, selected by configuration.</summary>
public sealed class PostgreSqlJournalTests
{
    [Fact]
    public async Task Node_on_PostgreSQL_persists_changes_and_comes_back_with_them_after_a_restart()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        var settings = new RouteSettings()
            .Route("a", "/a", "one")
            .Cluster("one", ("alpha", backends[0].Url))
            .With("ClusterLB:Persistence:Provider", "PostgreSql")
            .With("ClusterLB:Persistence:ConnectionString", PostgreSql.CreateDatabase());

        await using (var node = await TestNode.StartAsync(settings))
        {
            Assert.Equal("PostgreSQL", (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Journal.Description);
            var added = await node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url });
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        // A fresh data directory: nothing local survives, only what PostgreSQL holds.
        await using var restarted = await TestNode.StartAsync(settings);
        var status = (await restarted.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!;
        Assert.Equal(2, status.RoutingTable!.Version);
        var answeredBy = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await restarted.Proxy.GetAsync("/a/");
            answeredBy.Add(response.Headers.GetValues(ClusterLB.EchoBackend.EchoServer.BackendHeader).Single());
        }

        Assert.Equal(["alpha", "beta"], answeredBy.Order());
    }
}
