using System.Text.Json.Nodes;
using ClusterLB.Cli.Tests.Infrastructure;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Cli.Tests;

/// <summary><c>clusterlb key</c> against the node's own routing of the same keys, for each way a cluster hashes keys.</summary>
[Collection(CliNodeCollection.Name)]
public sealed class KeyCommandTests(CliNode node)
{
    [Fact]
    public async Task Key_in_the_rendezvous_keyed_cluster_names_where_the_node_sends_it_and_that_overrides_are_not_considered()
    {
        var seen = new HashSet<string>();
        foreach (var key in Enumerable.Range(0, 12).Select(i => $"session-{i}"))
        {
            var answer = JsonNode.Parse((await node.RunAsync("key", "echo", key, "--json")).Exited(0).Out)!;
            var predicted = (string)answer["destination"]!;
            Assert.Equal(await KeyedRequests.BackendFor(node.Node.Proxy, key), predicted);
            Assert.Equal(predicted, (string?)answer["home"]);
            seen.Add(predicted);
        }

        Assert.Equal(2, seen.Count); // the keys spread: the prediction is not one constant

        var table = (await node.RunAsync("key", "echo", "session-1")).Exited(0);
        Assert.Matches(@"goes to\s+(alpha|beta)", table.Out);
        Assert.Contains("overrides of keys moved off their home are not considered", table.Out);
    }

    [Theory]
    [InlineData("consistent", """{"loadBalancingPolicy":"ConsistentHash","metadata":{"ClusterLB.HashKey":"Header:X-Session-Key"}}""")]
    [InlineData("maglev", """{"sessionAffinity":{"enabled":true,"policy":"KeyedHeader","affinityKeyName":"X-Session-Key"},"metadata":{"ClusterLB.KeyHashing":"Maglev"}}""")]
    public async Task Key_in_a_consistent_hash_or_maglev_keyed_cluster_names_where_the_node_sends_it(string id, string settings)
    {
        var cluster = JsonNode.Parse(settings)!.AsObject();
        cluster["destinations"] = new JsonObject
        {
            ["alpha"] = new JsonObject { ["address"] = node.Backends[0].Url },
            ["beta"] = new JsonObject { ["address"] = node.Backends[1].Url },
        };
        await node.ChangeAsync("clusters", "set", id, "--file", await CliNode.FileWith(cluster.ToJsonString()));
        await node.ChangeAsync("routes", "set", id, "--file", await CliNode.FileWith($$$"""{"clusterId":"{{{id}}}","match":{"path":"/{{{id}}}/{**rest}"}}"""));
        await Eventually.True(
            async () => (await KeyedRequests.BackendFor(node.Node.Proxy, "first", $"/{id}/")) is "alpha" or "beta",
            TimeSpan.FromSeconds(10),
            $"route /{id}/ applied");

        var seen = new HashSet<string>();
        foreach (var key in Enumerable.Range(0, 12).Select(i => $"user-{i}"))
        {
            var answer = JsonNode.Parse((await node.RunAsync("key", id, key, "--json")).Exited(0).Out)!;
            Assert.Equal(await KeyedRequests.BackendFor(node.Node.Proxy, key, $"/{id}/"), (string?)answer["destination"]);
            seen.Add((string)answer["destination"]!);
        }

        Assert.Equal(2, seen.Count);
        (await node.RunAsync("routes", "remove", id)).Exited(0);
        (await node.RunAsync("clusters", "remove", id)).Exited(0);
    }

    [Fact]
    public async Task A_key_whose_home_is_in_maintenance_goes_where_the_node_sends_it()
    {
        var cluster = """{"sessionAffinity":{"enabled":true,"policy":"KeyedHeader","affinityKeyName":"X-Session-Key"},"destinations":{"alpha":{"address":"A"},"beta":{"address":"B"}}}"""
            .Replace("\"A\"", $"\"{node.Backends[0].Url}\"").Replace("\"B\"", $"\"{node.Backends[1].Url}\"");
        await node.ChangeAsync("clusters", "set", "serviced", "--file", await CliNode.FileWith(cluster));
        await node.ChangeAsync("routes", "set", "serviced", "--file", await CliNode.FileWith("""{"clusterId":"serviced","match":{"path":"/serviced/{**rest}"}}"""));
        var home = (string)JsonNode.Parse((await node.RunAsync("key", "serviced", "user-1", "--json")).Exited(0).Out)!["home"]!;
        var other = home == "alpha" ? "beta" : "alpha";

        (await node.RunAsync("maintenance", "serviced", home)).Exited(0);
        await Eventually.True(
            async () => await KeyedRequests.BackendFor(node.Node.Proxy, "user-1", "/serviced/") == other
                && JsonNode.Parse((await node.RunAsync("health", "--json")).Out)!["destinations"]!.AsArray()
                    .Any(d => (string?)d!["cluster"] == "serviced" && (string?)d["destination"] == home && (string?)d["adminState"] == "Maintenance"),
            TimeSpan.FromSeconds(10),
            "the node applying the maintenance");

        var answer = JsonNode.Parse((await node.RunAsync("key", "serviced", "user-1", "--json")).Exited(0).Out)!;
        Assert.Equal(home, (string?)answer["home"]);
        Assert.Equal(other, (string?)answer["destination"]);
        (await node.RunAsync("routes", "remove", "serviced")).Exited(0);
        (await node.RunAsync("clusters", "remove", "serviced")).Exited(0);
    }

    [Fact]
    public async Task A_cluster_that_does_not_route_by_key_is_refused()
    {
        await node.ChangeAsync("clusters", "set", "unkeyed", "--file", await CliNode.FileWith("""{"destinations":{"one":{"address":"http://127.0.0.1:1/"}}}"""));
        var run = (await node.RunAsync("key", "unkeyed", "user-1")).Exited(1);
        Assert.Equal("clusterlb: cluster 'unkeyed' does not route by key (no keyed affinity, not ConsistentHash)", run.ErrorLine);
        Assert.Equal("clusterlb: cluster 'absent' does not exist", (await node.RunAsync("key", "absent", "user-1")).Exited(1).ErrorLine);
        (await node.RunAsync("clusters", "remove", "unkeyed")).Exited(0);
    }
}
