using System.Net;
using System.Text.Json.Nodes;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.MultiNode;

namespace ClusterLB.Node.Tests.Observability;

[Collection(MultiNodeCollection.Name)]
public sealed class ObserveApiTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Traffic_through_one_node_shows_on_another_with_latency_errors_health_and_load_per_node()
    {
        await using var backends = await Backends.StartAsync("fast", "slow", "failing", "probed");
        backends[1].InjectedLatency = TimeSpan.FromMilliseconds(250);
        var stopped = $"http://127.0.0.1:{ClosedPort.Find()}/";
        var settings = new RouteSettings()
            .Route("fast", "/fast", "fast").Cluster("fast", ("fast-1", backends[0].Url))
            .Route("slow", "/slow", "slow").Cluster("slow", ("slow-1", backends[1].Url))
            // Its destination's address is the backend's /status/500: every request answers 500.
            .Route("failing", "/failing", "failing").Cluster("failing", ("failing-1", backends[2].Url.TrimEnd('/') + "/status/500"))
            .Route("probed", "/probed", "probed").Cluster("probed", ("probed-up", backends[3].Url), ("probed-down", stopped))
            .FastActiveHealth("probed");
        await using var cluster = await TestCluster.StartAsync(2, settings);
        var a = cluster[0];
        var b = cluster[1];

        // A steady trickle through node A only, until node B's view shows all of it.
        JsonNode? last = null;
        var observed = await Observed(() => last, Eventually.Get(
            async () =>
            {
                for (var i = 0; i < 5; i++)
                {
                    (await a.Proxy.GetAsync("/fast/x")).Dispose();
                    (await a.Proxy.GetAsync("/failing/")).Dispose();
                }

                (await a.Proxy.GetAsync("/slow/x")).Dispose();
                var document = await Observe(b);
                last = document;
                var ready = Destination(document, "fast", "fast-1")?["requestsPerSecond"]?.GetValue<double>() > 0
                    // A cold first request to the fast one (connection, JIT) may outlast the slow ones until it leaves the window.
                    && Destination(document, "slow", "slow-1")?["p99Ms"]?.GetValue<double>() > (Destination(document, "fast", "fast-1")?["p99Ms"]?.GetValue<double>() ?? double.MaxValue)
                    && Destination(document, "failing", "failing-1")?["errorRate"]?.GetValue<double>() > 0
                    && Destination(document, "probed", "probed-down")?["health"]?.GetValue<string>() == "Unhealthy"
                    && Destination(document, "probed", "probed-down")?["recentProbes"]?.AsArray().Count > 0
                    && Nodes(document).All(n => n["cpuPercent"] is not null);
                return ready ? document : null;
            },
            Deadline,
            "node B's /admin/observe to show node A's traffic, the stopped destination out and every node's load"));

        Assert.Equal("node-2", observed["node"]!.GetValue<string>());
        Assert.Equal(10, observed["windowSeconds"]!.GetValue<int>());

        // Cluster-wide and per node: all of it through A, none through B.
        var fast = Destination(observed, "fast", "fast-1")!;
        var perNode = fast["perNode"]!.AsArray();
        Assert.Equal("node-1", Assert.Single(perNode)!["node"]!.GetValue<string>());
        Assert.Equal(fast["requestsPerSecond"]!.GetValue<double>(), perNode[0]!["requestsPerSecond"]!.GetValue<double>());
        Assert.Equal(0, fast["errorRate"]!.GetValue<double>());
        var nodeA = Nodes(observed).Single(n => n["node"]?.GetValue<string>() == "node-1");
        var nodeB = Nodes(observed).Single(n => n["node"]?.GetValue<string>() == "node-2");
        Assert.True(nodeA["requestsPerSecond"]!.GetValue<double>() > 0);
        Assert.Equal(0, nodeB["requestsPerSecond"]!.GetValue<double>());
        Assert.Null(nodeB["p50Ms"]);
        Assert.True(nodeA["errorRate"]!.GetValue<double>() > 0, "node A answered the failing cluster's 500s");

        // Latency: the slow backend's p50 and p99 are at its injected 250 ms (within a bucket), far above the fast one's p50.
        var slowP99 = Destination(observed, "slow", "slow-1")!["p99Ms"]!.GetValue<double>();
        Assert.True(slowP99 >= 250 * 0.93, $"slow p99 {slowP99} ms");
        var slowP50 = Destination(observed, "slow", "slow-1")!["p50Ms"]!.GetValue<double>();
        Assert.True(slowP50 >= 250 * 0.93 && slowP50 > 10 * fast["p50Ms"]!.GetValue<double>(), $"slow p50 {slowP50} ms, fast p50 {fast["p50Ms"]} ms");
        Assert.True(slowP99 > fast["p99Ms"]!.GetValue<double>(), $"slow p99 {slowP99} ms, fast p99 {fast["p99Ms"]} ms");
        Assert.Equal(1, Destination(observed, "failing", "failing-1")!["errorRate"]!.GetValue<double>());

        // Load of each node: CPU in percent of one core, resident memory in MB.
        foreach (var node in Nodes(observed))
        {
            var cpu = node["cpuPercent"]!.GetValue<double>();
            var memory = node["memoryMb"]!.GetValue<double>();
            Assert.InRange(cpu, 0, 100 * Environment.ProcessorCount + 50);
            Assert.InRange(memory, 20, 64 * 1024);
            Assert.Equal("Up", node["status"]!.GetValue<string>());
            Assert.True(node["reachable"]!.GetValue<bool>());
            Assert.NotNull(node["tableVersion"]);
            Assert.True(node["reportAgeSeconds"]!.GetValue<double>() < 5);
        }

        Assert.Single(Nodes(observed), n => n["isLeader"]!.GetValue<bool>());
        Assert.Single(Nodes(observed), n => n["hostsRoutingTableWriter"]!.GetValue<bool>());

        // The stopped destination: out on every node, with its probing owner and the owner's failing probes.
        foreach (var node in cluster.Running)
        {
            var down = await Eventually.Get(
                async () => Destination(await Observe(node), "probed", "probed-down") is { } d
                    && d["health"]?.GetValue<string>() == "Unhealthy" && d["recentProbes"]?.AsArray().Count > 0 ? d : null,
                Deadline,
                "the stopped destination out, with probes, on every node");
            Assert.Contains(down["probeOwner"]!.GetValue<string>(), new[] { "node-1", "node-2" });
            Assert.All(down["recentProbes"]!.AsArray(), p =>
            {
                Assert.False(p!["ok"]!.GetValue<bool>());
                Assert.Null(p["status"]);
                Assert.NotNull(p["error"]);
            });
            Assert.Equal("Active", down["adminState"]!.GetValue<string>());
            Assert.NotNull(down["healthReason"]);
            var up = Destination(await Observe(node), "probed", "probed-up")!;
            Assert.Equal("Healthy", up["health"]!.GetValue<string>());
            Assert.All(up["recentProbes"]!.AsArray(), p => Assert.Equal(200, p!["status"]!.GetValue<int>()));
        }
    }

    [Fact]
    public async Task Every_node_answers_where_a_key_goes_as_requests_go_and_reports_replication_lag_and_affinity_metrics()
    {
        await using var backends = await Backends.StartAsync("k1", "k2", "k3");
        // Ids no other test uses: nodes of other tests in this process publish the same meters.
        var settings = new RouteSettings()
            .Route("observed-keyed", "/keyed", "observed-keyed")
            .Cluster("observed-keyed", backends.Servers.Select(b => (b.Name, b.Url)).ToArray())
            .KeyedHeaderAffinity("observed-keyed")
            .FastActiveHealth("observed-keyed");
        await using var cluster = await TestCluster.StartAsync(2, settings);
        var a = cluster[0];
        var b = cluster[1];

        // A table change through node A: both nodes run it, each with its replication lag.
        long version;
        using (var change = await a.Admin.PutAsync("/admin/clusters/observed-keyed/destinations/k1/weight", Json.Body("""{ "weight": 2 }""")))
        {
            Assert.Equal(HttpStatusCode.OK, change.StatusCode);
            version = JsonNode.Parse(await change.Content.ReadAsStringAsync())!["version"]!.GetValue<long>();
        }

        await Eventually.True(
            async () => Nodes(await Observe(b)) is var nodes && nodes.Count() == 2
                && nodes.All(n => n["tableVersion"]?.GetValue<long>() == version && n["replicationLagSeconds"] is not null),
            Deadline,
            $"both nodes to report table v{version} with its replication lag");
        foreach (var node in Nodes(await Observe(b)))
        {
            Assert.InRange(node["replicationLagSeconds"]!.GetValue<double>(), 0, 5);
            Assert.Equal(0, node["tableVersionsBehind"]!.GetValue<long>());
        }

        Assert.Equal(2, Destination(await Observe(b), "observed-keyed", "k1")!["weight"]!.GetValue<double>());

        // Where keys go: the same answer from both nodes, and where requests through either go.
        var keys = Enumerable.Range(0, 24).Select(i => $"observed-{i}").ToList();
        var homes = new Dictionary<string, string>();
        foreach (var key in keys)
        {
            var fromA = await KeyAnswer(a, "observed-keyed", key);
            var fromB = await KeyAnswer(b, "observed-keyed", key);
            Assert.Equal("hash", fromA["source"]!.GetValue<string>());
            Assert.Equal(fromA["destination"]!.GetValue<string>(), fromB["destination"]!.GetValue<string>());
            homes[key] = fromA["destination"]!.GetValue<string>();
            Assert.Equal(homes[key], await KeyedRequests.BackendFor(a.Proxy, key, "/keyed/"));
            Assert.Equal(homes[key], await KeyedRequests.BackendFor(b.Proxy, key, "/keyed/"));
        }

        // k2 fails: its keys move when next requested through A, and both nodes then answer the override.
        var movedKeys = keys.Where(k => homes[k] == "k2").ToList();
        Assert.NotEmpty(movedKeys);
        backends[1].FailingHealth = true;
        await Eventually.True(
            async () => Destination(await Observe(a), "observed-keyed", "k2")?["health"]?.GetValue<string>() == "Unhealthy"
                && Destination(await Observe(b), "observed-keyed", "k2")?["health"]?.GetValue<string>() == "Unhealthy",
            Deadline,
            "k2 out on both nodes");
        var movedTo = new Dictionary<string, string>();
        foreach (var key in movedKeys)
        {
            movedTo[key] = await KeyedRequests.BackendFor(a.Proxy, key, "/keyed/");
            Assert.NotEqual("k2", movedTo[key]);
        }

        foreach (var node in cluster.Running)
        {
            await Eventually.True(
                async () =>
                {
                    foreach (var key in movedKeys)
                    {
                        var answer = await KeyAnswer(node, "observed-keyed", key);
                        if (answer["source"]!.GetValue<string>() != "override" || answer["destination"]!.GetValue<string>() != movedTo[key])
                        {
                            return false;
                        }
                    }

                    return true;
                },
                Deadline,
                "every node to answer the moved keys' overrides");
            var answered = await KeyAnswer(node, "observed-keyed", movedKeys[0]);
            Assert.True(answered["overrides"]!.GetValue<int>() >= movedKeys.Count);
            Assert.Equal(movedTo[movedKeys[0]], await KeyedRequests.BackendFor(node.Proxy, movedKeys[0], "/keyed/"));
        }

        var affinity = Assert.Single((await Observe(b))["affinity"]!.AsArray(), c => c!["cluster"]!.GetValue<string>() == "observed-keyed")!;
        Assert.True(affinity["overrides"]!.GetValue<int>() >= movedKeys.Count);
        Assert.Equal(0, affinity["evictions"]!.GetValue<long>());

        // The metrics: hits by home and by override, misses that moved, the replication lag.
        var scrape = await a.Admin.GetStringAsync("/metrics");
        Assert.Matches(@"clusterlb_affinity_hits_total\{[^}]*cluster=""observed-keyed""[^}]*via=""home""[^}]*\} [1-9]", scrape);
        Assert.Matches(@"clusterlb_affinity_misses_total\{[^}]*cluster=""observed-keyed""[^}]*reason=""moved""[^}]*\} [1-9]", scrape);
        (await KeyedRequests.SendAsync(a.Proxy, movedKeys[0], "/keyed/")).Dispose();
        Assert.Matches(
            @"clusterlb_affinity_hits_total\{[^}]*cluster=""observed-keyed""[^}]*via=""override""[^}]*\} [1-9]",
            await Eventually.Get(
                async () => await a.Admin.GetStringAsync("/metrics") is var text && text.Contains("via=\"override\"") ? text : null, Deadline, "an override hit in a scrape"));
        Assert.Matches(@"(?m)^clusterlb_replication_lag_seconds(\{[^}]*\})? \d", scrape);
    }

    [Fact]
    public async Task Observe_answers_a_read_token_and_names_what_is_wrong_with_a_key_question()
    {
        await using var backends = await Backends.StartAsync("r1");
        await using var node = await TestNode.StartAsync(new RouteSettings()
            .Route("plain", "/plain", "plain").Cluster("plain", ("r1", backends[0].Url))
            .Route("keyed", "/keyed", "keyed").Cluster("keyed", ("r1", backends[0].Url)).KeyedHeaderAffinity("keyed"));

        using (var reader = node.AdminClient(TestNode.ReadToken))
        {
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/admin/observe")).StatusCode);
            using var answer = await reader.GetAsync("/admin/observe/affinity/keyed?key=abc");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            Assert.Equal("r1", body["destination"]!.GetValue<string>());
            Assert.Equal("abc", body["key"]!.GetValue<string>());
        }

        using (var anonymous = node.AdminClient(token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/observe")).StatusCode);
        }

        var unknown = await Error(node, "/admin/observe/affinity/nope?key=abc", HttpStatusCode.NotFound);
        Assert.Equal("cluster", unknown["field"]!.GetValue<string>());
        Assert.Contains("'nope'", unknown["message"]!.GetValue<string>());
        var missing = await Error(node, "/admin/observe/affinity/keyed", HttpStatusCode.BadRequest);
        Assert.Equal("key", missing["field"]!.GetValue<string>());
        var notKeyed = await Error(node, "/admin/observe/affinity/plain?key=abc", HttpStatusCode.BadRequest);
        Assert.Equal("cluster", notKeyed["field"]!.GetValue<string>());
        Assert.Contains("does not route by key", notKeyed["message"]!.GetValue<string>());
    }

    private static async Task<JsonNode> Error(TestNode node, string path, HttpStatusCode expected)
    {
        using var response = await node.Admin.GetAsync(path);
        Assert.Equal(expected, response.StatusCode);
        return Assert.Single(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsArray())!;
    }

    private static async Task<JsonNode> KeyAnswer(TestNode node, string cluster, string key)
    {
        using var response = await node.Admin.GetAsync($"/admin/observe/affinity/{cluster}?key={Uri.EscapeDataString(key)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    // The last document read, when the wait for one gives up: what was missing.
    private static async Task<JsonNode> Observed(Func<JsonNode?> last, Task<JsonNode> waiting)
    {
        try
        {
            return await waiting;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last /admin/observe: {last()?.ToJsonString()}", e);
        }
    }

    private static async Task<JsonNode> Observe(TestNode node)
    {
        using var response = await node.Admin.GetAsync("/admin/observe");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static IEnumerable<JsonNode> Nodes(JsonNode document) => document["nodes"]!.AsArray().Select(n => n!);

    private static JsonNode? Destination(JsonNode document, string cluster, string destination) =>
        document["destinations"]!.AsArray().FirstOrDefault(d => d!["cluster"]!.GetValue<string>() == cluster && d["destination"]!.GetValue<string>() == destination);
}
