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
        backends[1].InjectedLatency = TimeSpan.FromMilliseconds(60);
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
                    && Destination(document, "slow", "slow-1")?["p99Ms"] is not null
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

        // Latency: the slow backend's p99 is above its injected 60 ms and above the fast one's.
        var slowP99 = Destination(observed, "slow", "slow-1")!["p99Ms"]!.GetValue<double>();
        Assert.True(slowP99 >= 55, $"slow p99 {slowP99} ms");
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
