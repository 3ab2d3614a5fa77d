using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// Admin input that would hurt a node is refused with the field named, and the table stays at its
/// version: ids that cannot be addressed, durations that overflow timers, destinations that loop back
/// into the node, route constraints that burn CPU.
/// </summary>
public sealed class AdminInputBoundsTests : IAsyncLifetime
{
    private Backends _backends = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("alpha");
        _node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", _backends[0].Url)));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _backends.DisposeAsync();
    }

    public static TheoryData<string, string, string, string> Refused() => new()
    {
        { "a probe interval of ten million days", "/admin/clusters/slow", """{ "destinations": { "d": { "address": "http://127.0.0.1:5999/" } }, "healthCheck": { "active": { "enabled": true, "interval": "10000000.00:00:00", "path": "/health" } } }""", "HealthCheck:Active:Interval" },
        { "a probe every microsecond", "/admin/clusters/storm", """{ "destinations": { "d": { "address": "http://127.0.0.1:5999/" } }, "healthCheck": { "active": { "enabled": true, "interval": "00:00:00.000001" } } }""", "HealthCheck:Active:Interval" },
        { "a route timeout of years", "/admin/routes/late", """{ "clusterId": "one", "match": { "path": "/late" }, "timeout": "1000.00:00:00" }""", "Routes:late:Timeout" },
        { "a destination id with a slash", "/admin/clusters/slashed", """{ "destinations": { "a/b": { "address": "http://127.0.0.1:5999/" } } }""", "Destinations:a/b" },
        { "a route id with a control character", "/admin/routes/bell%07", """{ "clusterId": "one", "match": { "path": "/bell" } }""", "Routes:bell\u0007" },
        { "a route id of 300 characters", "/admin/routes/" + new string('r', 300), """{ "clusterId": "one", "match": { "path": "/long" } }""", "route id has 300 characters" },
        { "65 metadata entries", "/admin/clusters/meta", "{ \"destinations\": { \"d\": { \"address\": \"http://127.0.0.1:5999/\" } }, \"metadata\": { " + string.Join(", ", Enumerable.Range(0, 65).Select(i => $"\"k{i}\": \"v\"")) + " } }", "Clusters:meta:Metadata" },
        { "a 5000-character metadata value", "/admin/clusters/meta", "{ \"destinations\": { \"d\": { \"address\": \"http://127.0.0.1:5999/\", \"metadata\": { \"k\": \"" + new string('v', 5000) + "\" } } } }", "Destinations:d:Metadata:k" },
        { "33 transforms", "/admin/routes/many", "{ \"clusterId\": \"one\", \"match\": { \"path\": \"/many\" }, \"transforms\": [ " + string.Join(", ", Enumerable.Range(0, 33).Select(i => $"{{ \"RequestHeader\": \"X-{i}\", \"Set\": \"v\" }}")) + " ] }", "Routes:many:Transforms" },
        { "a regex constraint with a backreference", "/admin/routes/backref", """{ "clusterId": "one", "match": { "path": "/r/{id:regex(^(a)\\1$)}" } }""", "Routes:backref:Match:Path" },
        { "nesting deeper than any admin document", "/admin/routes/deep", "{ \"clusterId\": \"one\", \"match\": { \"path\": \"/deep\" }, \"metadata\": " + new string('[', 100) + new string(']', 100) + " }", "" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Out_of_bounds_input_is_refused_with_400_naming_the_field_and_changes_nothing(string because, string path, string body, string field)
    {
        var before = await VersionAsync();

        using var response = await _node.Admin.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{because}: {(int)response.StatusCode} {text}");
        Assert.Contains(field, JsonSerializer.Deserialize<JsonElement>(text).GetRawText().Replace("\\u0007", "\u0007"));
        Assert.Equal(before, await VersionAsync());
    }

    [Fact]
    public async Task A_destination_that_is_the_nodes_own_proxy_or_admin_listener_is_refused()
    {
        var before = await VersionAsync();
        foreach (var own in new[] { _node.Node.ProxyUrls[0], _node.Node.AdminUrl, _node.Node.AdminUrl.Replace("127.0.0.1", "localhost") })
        {
            using var response = await _node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/loop", new { address = own + "/" });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("own proxy or admin listener", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(before, await VersionAsync());
    }

    [Fact]
    public async Task A_catastrophic_regex_constraint_matches_in_linear_time_so_one_request_cannot_burn_seconds_of_CPU()
    {
        // With a backtracking engine, ^(a+)+$ against 40 a's and a b takes 2^40 steps (until ASP.NET's 10 s
        // regex timeout, then a 500). Linear matching answers 404 at once.
        using var put = await _node.Admin.PutAsJsonAsync("/admin/routes/evil", new { clusterId = "one", match = new { path = "/evil/{id:regex(^(a+)+$)}" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        await Eventually.True(async () => (await _node.Proxy.GetAsync("/evil/aaaa")).IsSuccessStatusCode, TimeSpan.FromSeconds(10), "the evil route applied");

        using var proxy = new HttpClient { BaseAddress = _node.Proxy.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var hostile = await proxy.GetAsync("/evil/" + new string('a', 40) + "b");

        Assert.Equal(HttpStatusCode.NotFound, hostile.StatusCode);
    }

    private async Task<long> VersionAsync() =>
        (await _node.Admin.GetFromJsonAsync<ClusterLB.Node.Admin.NodeStatus>("/admin/status"))!.RoutingTable!.Version;
}

/// <summary>
/// A change is acknowledged only when it can reach every node: a 10,000-destination cluster
/// replicates; a table too large for the remoting frame is refused with its size named.
/// </summary>
[Collection(MultiNode.MultiNodeCollection.Name)]
public sealed class ReplicatedTableSizeTests
{
    [Fact]
    public async Task Ten_thousand_destinations_reach_every_node_and_a_table_too_large_to_replicate_is_refused_with_its_size()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var cluster = await TestCluster.StartAsync(2, new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)));

        var destinations = Enumerable.Range(0, 10_000).ToDictionary(i => $"d{i:D5}", i => new { address = $"http://10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}:8080/" });
        using var big = await cluster[0].Admin.PutAsJsonAsync("/admin/clusters/big", new { destinations });
        Assert.Equal(HttpStatusCode.OK, big.StatusCode);
        var version = (await big.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        await Eventually.True(async () => await DestinationCount(cluster[1], "big") == 10_000, TimeSpan.FromSeconds(30), "the 10,000 destinations on the other node");

        // Incompressible metadata, each cluster within the admin body cap: the table outgrows the frame.
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 8 && refused is null; i++)
        {
            var noisy = Enumerable.Range(0, 3).ToDictionary(
                d => $"n{d}",
                _ => new { address = "http://10.0.0.1:8080/", metadata = Enumerable.Range(0, 64).ToDictionary(k => $"k{k}", _ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(2900))) });
            var response = await cluster[0].Admin.PutAsJsonAsync($"/admin/clusters/noisy{i}", new { destinations = noisy });
            if (response.StatusCode == HttpStatusCode.OK)
            {
                version = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("would be [0-9]+ bytes compressed; at most [0-9]+ bytes replicate", await refused.Content.ReadAsStringAsync());
        await Eventually.True(async () => await VersionOf(cluster[1]) == version, TimeSpan.FromSeconds(30), "every accepted change on the other node");
        Assert.Equal(version, await VersionOf(cluster[0]));
    }

    private static async Task<int> DestinationCount(TestNode node, string clusterId)
    {
        var table = await node.Admin.GetFromJsonAsync<JsonElement>("/admin/routing-table");
        return table.GetProperty("clusters").TryGetProperty(clusterId, out var c) ? c.GetProperty("destinations").EnumerateObject().Count() : 0;
    }

    private static async Task<long> VersionOf(TestNode node) =>
        (await node.Admin.GetFromJsonAsync<ClusterLB.Node.Admin.NodeStatus>("/admin/status"))!.RoutingTable!.Version;
}
