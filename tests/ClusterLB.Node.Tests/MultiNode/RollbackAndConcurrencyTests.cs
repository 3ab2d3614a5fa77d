using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterLB.Node.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class RollbackAndConcurrencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rollback_makes_a_new_version_equal_to_the_old_one_on_every_node_within_a_second()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        await using var cluster = await TestCluster.StartAsync(3, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));
        await Ok(cluster[1].Admin.PutAsJsonAsync("/admin/clusters/two", new { destinations = new { beta = new { address = backends[1].Url } } }));
        await Ok(cluster[1].Admin.PutAsJsonAsync("/admin/routes/a", new { clusterId = "two", match = new { path = "/a/{**rest}" } }));
        await cluster.WaitForVersionAsync(3);
        var v1 = await cluster[0].Admin.GetFromJsonAsync<JsonElement>("/admin/history/1/diff/1");
        Assert.Empty(v1.GetProperty("differences").EnumerateArray());

        using var rollback = await cluster[2].Admin.PostAsJsonAsync("/admin/rollback/1", new { });
        var accepted = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal(4, (await rollback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());
        await Eventually.True(
            async () =>
            {
                foreach (var node in cluster.Running)
                {
                    using var response = await node.Proxy.GetAsync("/a/x");
                    if (!response.Headers.TryGetValues(EchoServer.BackendHeader, out var served) || served.Single() != "alpha")
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(10),
            "route a back on alpha on every node");
        var seen = accepted.Elapsed;
        output.WriteLine($"rollback seen on all 3 nodes {seen.TotalMilliseconds:0} ms after it was accepted");
        Assert.True(seen < TimeSpan.FromSeconds(1), $"the rollback took {seen} to reach every node");

        var diff = await cluster[1].Admin.GetFromJsonAsync<JsonElement>("/admin/history/1/diff/4");
        Assert.Empty(diff.GetProperty("differences").EnumerateArray());
        var newest = (await cluster[1].Admin.GetFromJsonAsync<JsonElement>("/admin/history?limit=1")).GetProperty("entries")[0];
        Assert.Equal("rollback to v1: 1 route, 1 cluster", newest.GetProperty("summary").GetString());
        Assert.Equal("test-writer", newest.GetProperty("by").GetString());
    }

    [Fact]
    public async Task Two_writers_with_the_same_If_Match_exactly_one_wins_the_other_gets_412_with_the_current_version()
    {
        await using var cluster = await TestCluster.StartAsync(3, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", "http://127.0.0.1:9/")));
        using var read = await cluster[1].Admin.GetAsync("/admin/routing-table");
        var etag = read.Headers.ETag!.Tag;
        Assert.Equal("\"1\"", etag);

        var answers = await Task.WhenAll(
            Conditional(cluster[1].Admin, HttpMethod.Post, "/admin/clusters/one/destinations/alpha/drain", etag),
            Conditional(cluster[2].Admin, HttpMethod.Put, "/admin/clusters/one/destinations/alpha/weight", etag, new { weight = 3 }));

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.PreconditionFailed],
            answers.Select(a => a.StatusCode).Order());
        var lost = answers.Single(a => a.StatusCode == HttpStatusCode.PreconditionFailed);
        Assert.Equal("\"2\"", lost.Headers.ETag?.Tag);
        var body = await lost.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("version").GetInt64());
        Assert.Equal("If-Match", body.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal("\"2\"", answers.Single(a => a.StatusCode == HttpStatusCode.OK).Headers.ETag?.Tag);
        Assert.Equal(2, (await cluster[0].Admin.GetFromJsonAsync<JsonElement>("/admin/history")).GetProperty("version").GetInt64());

        // Without If-Match a write behaves as before; a malformed one is refused and changes nothing.
        using var unconditional = await cluster[0].Admin.DeleteAsync("/admin/routes/a");
        Assert.Equal(HttpStatusCode.OK, unconditional.StatusCode);
        using var malformed = new HttpRequestMessage(HttpMethod.Delete, "/admin/clusters/one");
        malformed.Headers.TryAddWithoutValidation("If-Match", "3");
        using var refused = await cluster[0].Admin.SendAsync(malformed);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("If-Match", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0].GetProperty("field").GetString());
        using var rollback = await Conditional(cluster[2].Admin, HttpMethod.Post, "/admin/rollback/1", "\"2\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, rollback.StatusCode);
        Assert.Equal(3, (await cluster[0].Admin.GetFromJsonAsync<JsonElement>("/admin/history")).GetProperty("version").GetInt64());
    }

    private static Task<HttpResponseMessage> Conditional(HttpClient admin, HttpMethod method, string path, string etag, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body ?? new { }) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        return admin.SendAsync(request);
    }

    private static async Task Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
