using System.Text.Json.Nodes;
using ClusterLB.Cli.Tests.Infrastructure;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Cli.Tests;

[Collection(CliNodeCollection.Name)]
public sealed class ReadCommandTests(CliNode node)
{
    [Fact]
    public async Task Status_shows_the_node_its_readiness_and_routing_table()
    {
        var table = (await node.RunAsync("status")).Exited(0);
        Assert.Matches(@"node\s+test-node", table.Out);
        Assert.Matches(@"ready\s+yes", table.Out);
        Assert.Matches(@"routing table\s+v\d+: \d+ routes", table.Out);

        var json = JsonNode.Parse((await node.RunAsync("status", "--json")).Exited(0).Out)!;
        Assert.Equal("test-node", (string?)json["node"]);
        Assert.True((bool)json["ready"]!);
        Assert.True((long)json["routingTable"]!["version"]! >= 1);
    }

    [Fact]
    public async Task Members_lists_this_node_as_the_leader()
    {
        var json = JsonNode.Parse((await node.RunAsync("members", "--json")).Exited(0).Out)!;
        var member = Assert.Single(json["members"]!.AsArray());
        Assert.True((bool)member!["isLeader"]!);
        Assert.Equal("Up", (string?)member["status"]);

        var table = (await node.RunAsync("members")).Exited(0);
        Assert.Contains((string)member["address"]!, table.Out);
        Assert.Contains("Up", table.Out);
    }

    [Fact]
    public async Task Health_shows_every_destination_with_its_health_and_admin_state()
    {
        var json = JsonNode.Parse((await node.RunAsync("health", "--json")).Exited(0).Out)!;
        var echo = json["destinations"]!.AsArray().Where(d => (string?)d!["cluster"] == "echo").Select(d => (string)d!["destination"]!).ToList();
        Assert.Equal(["alpha", "beta"], echo);

        var table = (await node.RunAsync("health")).Exited(0);
        Assert.Matches(@"echo\s+alpha\s+http://127\.0\.0\.1:\d+/?\s+\w+\s+Active", table.Out);
        Assert.Matches(@"echo\s+beta\s+http://127\.0\.0\.1:\d+/?\s+\w+\s+Active", table.Out);
    }

    [Fact]
    public async Task Top_shows_the_nodes_load_and_the_destinations_traffic_from_the_observe_api()
    {
        var json = await Eventually.Get(
            async () =>
            {
                (await KeyedRequests.SendAsync(node.Node.Proxy, "top-key")).Dispose();
                var observed = JsonNode.Parse((await node.RunAsync("top", "--json")).Exited(0).Out)!;
                return observed["destinations"]!.AsArray().Any(d => (string?)d!["cluster"] == "echo" && (double)d["requestsPerSecond"]! > 0)
                    && observed["nodes"]![0]!["cpuPercent"] is not null ? observed : null;
            },
            TimeSpan.FromSeconds(20),
            "keyed traffic in top --json");
        Assert.Equal("test-node", (string?)json["node"]);
        var self = Assert.Single(json["nodes"]!.AsArray())!;
        Assert.Equal("test-node", (string?)self["node"]);
        Assert.True((double)self["memoryMb"]! > 0);

        var table = (await node.RunAsync("top")).Exited(0).Out;
        Assert.Contains("test-node at ", table);
        Assert.Matches(@"test-node\s+Up leader writer\s+\d", table);
        Assert.Matches(@"echo\s+alpha\s+\w+\s+Active", table);
    }

    [Fact]
    public async Task Routes_clusters_and_destinations_are_listed_and_read_from_the_routing_table()
    {
        Assert.Matches(@"echo\s+echo\s+/keyed/\{\*\*rest\}", (await node.RunAsync("routes", "list")).Exited(0).Out);
        var routes = JsonNode.Parse((await node.RunAsync("routes", "list", "--json")).Exited(0).Out)!;
        Assert.Equal("echo", (string?)routes["echo"]!["clusterId"]);
        var route = JsonNode.Parse((await node.RunAsync("routes", "get", "echo", "--json")).Exited(0).Out)!;
        Assert.Equal("/keyed/{**rest}", (string?)route["match"]!["path"]);

        Assert.Matches(@"echo\s+RoundRobin\s+KeyedHeader\s+2", (await node.RunAsync("clusters", "list")).Exited(0).Out);
        var cluster = JsonNode.Parse((await node.RunAsync("clusters", "get", "echo")).Exited(0).Out)!;
        Assert.Equal("KeyedHeader", (string?)cluster["sessionAffinity"]!["policy"]);

        Assert.Matches(@"alpha\s+http://127\.0\.0\.1:\d+/?\s+Active", (await node.RunAsync("destinations", "list", "echo")).Exited(0).Out);
        var destination = JsonNode.Parse((await node.RunAsync("destinations", "get", "echo", "beta", "--json")).Exited(0).Out)!;
        Assert.Equal(node.Backends[1].Url.TrimEnd('/'), ((string)destination["address"]!).TrimEnd('/'));
    }

    [Fact]
    public async Task Reading_what_does_not_exist_is_refused_in_one_line()
    {
        Assert.Contains("route 'nope' does not exist", (await node.RunAsync("routes", "get", "nope")).Exited(1).ErrorLine);
        Assert.Contains("cluster 'nope' does not exist", (await node.RunAsync("destinations", "list", "nope")).Exited(1).ErrorLine);
        Assert.Contains("destination 'nope' does not exist", (await node.RunAsync("destinations", "get", "echo", "nope")).Exited(1).ErrorLine);
    }
}
