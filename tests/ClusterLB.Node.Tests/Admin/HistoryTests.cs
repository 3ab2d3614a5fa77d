using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ClusterLB.Node.Tests.Admin;

public sealed class HistoryTests(ITestOutputHelper output)
{
    private const string AliceToken = "alice-write-token-0123456789abcdef0123456789";

    private static RouteSettings Settings() => (RouteSettings)new RouteSettings()
        .Route("api", "/api", "app")
        .Cluster("app", ("backend-1", "http://127.0.0.1:9/"), ("backend-2", "http://127.0.0.1:9/"))
        .With("ClusterLB:Admin:Tokens:alice:Token", AliceToken)
        .With("ClusterLB:Admin:Tokens:alice:Role", "write");

    [Fact]
    public async Task History_lists_every_version_newest_first_with_time_author_and_summary()
    {
        await using var node = await TestNode.StartAsync(Settings());
        using var alice = node.AdminClient(AliceToken);

        await Ok(node.Admin.PutAsJsonAsync("/admin/routes/web", new { clusterId = "app", match = new { path = "/web/{**rest}" } }));
        await Ok(alice.PostAsJsonAsync("/admin/clusters/app/destinations/backend-2/drain", new { }));
        await Ok(alice.DeleteAsync("/admin/routes/web"));

        var history = await node.Admin.GetFromJsonAsync<JsonElement>("/admin/history");
        Assert.Equal(4, history.GetProperty("version").GetInt64());
        var entries = history.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal([4L, 3, 2, 1], entries.Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal(
            ["remove route web", "drain destination app/backend-2", "set route web", "import from the ReverseProxy configuration section: 1 route, 1 cluster"],
            entries.Select(e => e.GetProperty("summary").GetString()));
        Assert.Equal(["alice", "alice", "test-writer", "configuration"], entries.Select(e => e.GetProperty("by").GetString()));
        var times = entries.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        Assert.True(history.GetProperty("next").ValueKind == JsonValueKind.Null, "the first page holds every version");

        var page = await node.Admin.GetFromJsonAsync<JsonElement>("/admin/history?from=3&limit=2");
        Assert.Equal([3L, 2], page.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal(1, page.GetProperty("next").GetInt64());
    }

    [Fact]
    public async Task Diff_names_what_was_added_removed_and_changed_with_the_fields()
    {
        await using var node = await TestNode.StartAsync(Settings());
        await Ok(node.Admin.PutAsJsonAsync("/admin/routes/web", new { clusterId = "app", match = new { path = "/web/{**rest}" } }));
        await Ok(node.Admin.PutAsJsonAsync("/admin/routes/api", new { clusterId = "app", match = new { path = "/v2/{**rest}" } }));
        await Ok(node.Admin.DeleteAsync("/admin/clusters/app/destinations/backend-1"));
        await Ok(node.Admin.PostAsJsonAsync("/admin/clusters/app/destinations/backend-2/maintenance", new { }));

        var diff = await node.Admin.GetFromJsonAsync<JsonElement>("/admin/history/1/diff/5");
        var differences = diff.GetProperty("differences").EnumerateArray()
            .Select(d => $"{d.GetProperty("change").GetString()} {d.GetProperty("kind").GetString()} {d.GetProperty("id").GetString()}: "
                + string.Join(",", d.GetProperty("fields").EnumerateArray().Select(f => f.GetString())))
            .ToList();
        Assert.Equal(
            [
                "changed route api: match.path,transforms",
                "added route web: ",
                "removed destination app/backend-1: ",
                "changed destination app/backend-2: metadata",
            ],
            differences);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/history/4/diff/5");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using var text = await node.Admin.SendAsync(request);
        Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
        Assert.Equal("v4 -> v5: 1 difference\n~ destination app/backend-2: metadata\n", await text.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_version_is_404_naming_it_and_rollback_to_it_changes_nothing()
    {
        await using var node = await TestNode.StartAsync(Settings());

        using var diff = await node.Admin.GetAsync("/admin/history/1/diff/7");
        using var rollback = await node.Admin.PostAsJsonAsync("/admin/rollback/0", new { });

        foreach (var (response, version) in new[] { (diff, "v7"), (rollback, "v0") })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors")[0];
            Assert.Equal("version", error.GetProperty("field").GetString());
            Assert.StartsWith($"{version} does not exist", error.GetProperty("message").GetString());
        }

        Assert.Equal(1, (await node.Admin.GetFromJsonAsync<JsonElement>("/admin/history")).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task History_and_diff_of_ten_thousand_versions_answer_fast()
    {
        await using var node = await TestNode.StartAsync(Settings());
        var writer = node.Node.Services.GetRequiredService<ActorRegistry>().Get<RoutingTableWriterProxy>();

        const int changes = 9_999;
        var fill = Stopwatch.StartNew();
        for (var batch = 0; batch < changes; batch += 200)
        {
            var asks = Enumerable.Range(batch, Math.Min(200, changes - batch)).Select(i =>
                writer.Ask<object>(new SetDestinationAdmin("app", "backend-1", null, 1 + (i % 7)) { By = "bench" }, TimeSpan.FromSeconds(60)));
            Assert.All(await Task.WhenAll(asks), answer => Assert.IsType<RoutingTableChangeAccepted>(answer));
        }

        output.WriteLine($"writing {changes} changes took {fill.Elapsed.TotalSeconds:0.0}s");

        var newest = await Timed("GET /admin/history (newest 100)", () => node.Admin.GetFromJsonAsync<JsonElement>("/admin/history"));
        Assert.Equal(10_000, newest.GetProperty("version").GetInt64());
        Assert.Equal(10_000, newest.GetProperty("entries")[0].GetProperty("version").GetInt64());
        var oldest = await Timed("GET /admin/history?from=100 (oldest 100)", () => node.Admin.GetFromJsonAsync<JsonElement>("/admin/history?from=100"));
        Assert.Equal(1, oldest.GetProperty("entries")[99].GetProperty("version").GetInt64());
        var diff = await Timed("GET /admin/history/2/diff/9999", () => node.Admin.GetFromJsonAsync<JsonElement>("/admin/history/2/diff/9999"));
        Assert.Equal("destination", diff.GetProperty("differences")[0].GetProperty("kind").GetString());
    }

    private async Task<T> Timed<T>(string what, Func<Task<T>> call)
    {
        await call(); // the first call warms the read journal and the JIT
        var watch = Stopwatch.StartNew();
        var result = await call();
        output.WriteLine($"{what}: {watch.Elapsed.TotalMilliseconds:0} ms with 10,000 versions");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"{what} took {watch.Elapsed}");
        return result;
    }

    private static async Task Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
