using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.Node.Tests.Edge;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class RequestFilterReplicationTests
{
    [Fact]
    public async Task Request_filter_set_through_one_node_refuses_on_every_node()
    {
        await using var backend = await EdgeBackend.StartAsync();
        await using var cluster = await TestCluster.StartAsync(2, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("b", backend.Url)));
        foreach (var node in cluster.Running)
        {
            Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/a/items?id=1%20UNION%20SELECT%20x")).StatusCode);
        }

        using var put = await cluster[1].Admin.PutAsync("/admin/policies", Json.Body("""
            { "requestFiltering": { "everywhere": { "allRoutes": true, "ruleSets": [ "SqlInjection" ] } } }
            """));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await cluster.WaitForVersionAsync((await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());

        foreach (var node in cluster.Running)
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await node.Proxy.GetAsync("/a/items?id=1%20UNION%20SELECT%20x")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/a/items?id=7")).StatusCode);
        }
    }
}
