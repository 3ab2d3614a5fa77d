using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Tests.Compatibility;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Admin;

public sealed class ExportImportTests
{
    [Fact]
    public async Task Export_then_import_then_export_gives_the_same_document_as_one_new_version()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));
        await Ok(node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[0].Url }));
        await Ok(node.Admin.PostAsJsonAsync("/admin/clusters/one/destinations/beta/drain", new { }));

        var first = await node.Admin.GetStringAsync("/admin/export");
        using var import = await node.Admin.PutAsync("/admin/import", Json(first));
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        Assert.Equal(4, (await import.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());
        Assert.Equal("\"4\"", import.Headers.ETag?.Tag);
        var second = await Eventually.Get(
            async () => (await node.Admin.GetAsync("/admin/export")) is { Headers.ETag.Tag: "\"4\"" } r ? await r.Content.ReadAsStringAsync() : null,
            TimeSpan.FromSeconds(10),
            "v4 applied");

        Assert.Equal(first, second);
        var document = JsonDocument.Parse(first).RootElement;
        Assert.Equal("/a/{**rest}", document.GetProperty("ReverseProxy").GetProperty("Routes").GetProperty("a").GetProperty("Match").GetProperty("Path").GetString());
        Assert.True(document.GetProperty("ClusterLB").TryGetProperty("Policies", out _));
        var history = await node.Admin.GetFromJsonAsync<JsonElement>("/admin/history?limit=1");
        Assert.Equal("import 1 route, 1 cluster", history.GetProperty("entries")[0].GetProperty("summary").GetString());
    }

    [Fact]
    public async Task Exported_ReverseProxy_section_runs_in_a_bare_YARP_app()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));

        await using var yarp = await BareYarp.StartAsync(await node.Admin.GetStringAsync("/admin/export"), YarpFeatures.None);
        using var client = new HttpClient { BaseAddress = new Uri(yarp.Url) };
        using var response = await client.GetAsync("/a/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alpha", response.Headers.GetValues(EchoServer.BackendHeader).Single());
    }

    [Fact]
    public async Task A_bare_YARP_apps_configuration_imports_and_routes()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));
        var yarpAppSettings = $$"""
            {
              "ReverseProxy": {
                "Routes": {
                  "route1": { "ClusterId": "cluster1", "Match": { "Path": "/b/{**catch-all}" }, "Transforms": [ { "PathRemovePrefix": "/b" } ] }
                },
                "Clusters": {
                  "cluster1": {
                    "LoadBalancingPolicy": "RoundRobin",
                    "HttpRequest": { "ActivityTimeout": "00:00:30" },
                    "Destinations": { "destination1": { "Address": "{{backends[1].Url}}" } }
                  }
                }
              }
            }
            """;

        await using (var yarp = await BareYarp.StartAsync(yarpAppSettings, YarpFeatures.None))
        {
            using var client = new HttpClient { BaseAddress = new Uri(yarp.Url) };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/b/x")).StatusCode); // the document is one YARP runs
        }

        await Ok(node.Admin.PutAsync("/admin/import", Json(yarpAppSettings)));

        await Eventually.True(
            async () => (await node.Proxy.GetAsync("/b/x")) is { StatusCode: HttpStatusCode.OK } r && r.Headers.GetValues(EchoServer.BackendHeader).Single() == "beta",
            TimeSpan.FromSeconds(10),
            "the imported route served by beta");
        Assert.Equal(HttpStatusCode.NotFound, (await node.Proxy.GetAsync("/a/x")).StatusCode);
    }

    [Fact]
    public async Task Invalid_import_is_refused_naming_the_field_and_nothing_changes()
    {
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", "http://127.0.0.1:9/")));
        var before = await node.Admin.GetStringAsync("/admin/export");

        using var unknownCluster = await node.Admin.PutAsync("/admin/import", Json("""{"ReverseProxy":{"Routes":{"r":{"ClusterId":"nowhere","Match":{"Path":"/r"}}}}}"""));
        using var misspelled = await node.Admin.PutAsync("/admin/import", Json("""{"ReverseProxy":{"Routes":{"r":{"ClusterId":"one","Mtach":{"Path":"/r"}}}}}"""));
        using var badAddress = await node.Admin.PutAsync("/admin/import", Json("""{"ReverseProxy":{"Clusters":{"c":{"Destinations":{"d":{"Address":"not-a-url"}}}}}}"""));

        await AssertRejected(unknownCluster, "Routes:r:ClusterId");
        Assert.Equal("\"1\"", unknownCluster.Headers.ETag?.Tag); // the version the table stayed at
        await AssertRejected(misspelled, "Mtach");
        await AssertRejected(badAddress, "Clusters:c:Destinations:d:Address");
        Assert.Equal(before, await node.Admin.GetStringAsync("/admin/export"));
        Assert.Equal(1, (await node.Admin.GetFromJsonAsync<JsonElement>("/admin/history")).GetProperty("version").GetInt64());
    }

    private static async Task AssertRejected(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains(errors, f => f!.Contains(field, StringComparison.Ordinal));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task Ok(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
