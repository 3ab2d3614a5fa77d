using System.Net;
using System.Net.Http.Json;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Persistence;

public sealed class LastTableTests
{
    [Fact]
    public async Task Node_that_cannot_reach_its_cluster_serves_the_last_table_it_applied_and_says_so()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var dataDirectory = TempDirectory.Create("clusterlb-last");
        await using (await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)), dataDirectory))
        {
        }

        // Same data directory, but its seed is gone: no cluster, no writer, no journal read.
        var unreachableSeed = $"akka.tcp://clusterlb@127.0.0.1:{ClosedPort.Find()}";
        await using var node = await TestNode.StartAsync(new RouteSettings().With("ClusterLB:Cluster:Seeds:0", unreachableSeed), dataDirectory, waitUntilReady: false);

        using var response = await node.Proxy.GetAsync("/a/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!;
        Assert.Equal(new RoutingTableStatus(1, 1, 1, "LocalFile"), status.RoutingTable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await node.Admin.GetAsync("/healthz/ready")).StatusCode);
    }
}
