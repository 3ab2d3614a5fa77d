using System.Text.Json.Nodes;
using ClusterLB.Cli.Tests.Infrastructure;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Cli.Tests;

[Collection(CliNodeCollection.Name)]
public sealed class ChangeCommandTests(CliNode node)
{
    [Fact]
    public async Task A_route_is_set_from_a_file_or_stdin_and_removed()
    {
        var folder = TempDirectory.Create("clusterlb-cli");
        await File.WriteAllTextAsync(Path.Combine(folder, "route.json"), """{"clusterId":"echo","match":{"path":"/from-file/{**rest}"}}""");

        var fromFile = await CliRun.RunAsync(
            ["routes", "set", "from-file", "--file", "route.json", "--server", node.Node.Node.AdminUrl, "--token", TestNode.WriteToken], workingDirectory: folder);
        Assert.Matches(@"^route 'from-file' set: routing table v\d+", fromFile.Exited(0).Out);
        var fromStdin = await CliRun.RunAsync(
            ["routes", "set", "from-stdin", "--json", "--server", node.Node.Node.AdminUrl, "--token", TestNode.WriteToken],
            stdin: """{"clusterId":"echo","match":{"path":"/from-stdin/{**rest}"}}""");
        var version = (long)JsonNode.Parse(fromStdin.Exited(0).Out)!["version"]!;

        var table = await node.TableAtLeastAsync(version);
        Assert.Equal("/from-file/{**rest}", (string?)table["routes"]!["from-file"]!["match"]!["path"]);
        Assert.Equal("/from-stdin/{**rest}", (string?)table["routes"]!["from-stdin"]!["match"]!["path"]);

        Assert.Matches(@"^route 'from-file' removed: routing table v\d+", (await node.RunAsync("routes", "remove", "from-file")).Exited(0).Out);
        var removed = JsonNode.Parse((await node.RunAsync("routes", "remove", "from-stdin", "--json")).Exited(0).Out)!;
        table = await node.TableAtLeastAsync((long)removed["version"]!);
        Assert.Null(table["routes"]!["from-file"]);
        Assert.Null(table["routes"]!["from-stdin"]);
    }

    [Fact]
    public async Task A_cluster_and_its_destinations_are_set_and_removed()
    {
        (await node.RunAsync("clusters", "set", "spare", "--file", await CliNode.FileWith("""{"loadBalancingPolicy":"RoundRobin","destinations":{"one":{"address":"http://127.0.0.1:1/"}}}""")))
            .Exited(0);
        var added = JsonNode.Parse((await node.RunAsync("destinations", "set", "spare", "two", "--json", "--file", await CliNode.FileWith("""{"address":"http://127.0.0.1:2/"}"""))).Exited(0).Out)!;
        await node.TableAtLeastAsync((long)added["version"]!);

        var destinations = JsonNode.Parse((await node.RunAsync("destinations", "list", "spare", "--json")).Exited(0).Out)!.AsObject();
        Assert.Equal(["one", "two"], destinations.Select(d => d.Key).Order());

        (await node.RunAsync("destinations", "remove", "spare", "two")).Exited(0);
        var removed = JsonNode.Parse((await node.RunAsync("clusters", "remove", "spare", "--json")).Exited(0).Out)!;
        Assert.Null((await node.TableAtLeastAsync((long)removed["version"]!))["clusters"]!["spare"]);
    }

    [Fact]
    public async Task Drain_maintenance_enable_and_weight_change_the_destination_in_the_table()
    {
        (await node.RunAsync("clusters", "set", "operated", "--file", await CliNode.FileWith("""{"destinations":{"one":{"address":"http://127.0.0.1:1/"}}}"""))).Exited(0);

        async Task<JsonNode> After(params string[] command)
        {
            var version = (long)JsonNode.Parse((await node.RunAsync([.. command, "--json"])).Exited(0).Out)!["version"]!;
            return (await node.TableAtLeastAsync(version))["clusters"]!["operated"]!["destinations"]!["one"]!;
        }

        Assert.Equal("Draining", (string?)(await After("drain", "operated", "one"))["metadata"]!["ClusterLB.AdminState"]);
        Assert.Equal("Maintenance", (string?)(await After("maintenance", "operated", "one"))["metadata"]!["ClusterLB.AdminState"]);
        Assert.Null((await After("enable", "operated", "one"))["metadata"]!["ClusterLB.AdminState"]);
        Assert.Equal("2.5", (string?)(await After("weight", "operated", "one", "2.5"))["metadata"]!["ClusterLB.Weight"]);

        Assert.Matches(@"^operated/one draining: routing table v\d+", (await node.RunAsync("drain", "operated", "one")).Exited(0).Out);
        (await node.RunAsync("clusters", "remove", "operated")).Exited(0);
    }

    [Fact]
    public async Task A_change_the_node_refuses_names_the_field_at_fault()
    {
        var refused = (await node.RunAsync("routes", "set", "bad", "--file", await CliNode.FileWith("""{"clusterId":"echo","match":{"path":"/bad"},"colour":"red"}"""))).Exited(1);
        Assert.StartsWith("clusterlb: 400 BadRequest: colour: unknown field 'colour'", refused.ErrorLine);

        var exists = (await node.RunAsync("routes", "set", "echo", "--create", "--file", await CliNode.FileWith("""{"clusterId":"echo","match":{"path":"/again"}}"""))).Exited(1);
        Assert.StartsWith("clusterlb: 409 Conflict: ", exists.ErrorLine);

        var missing = (await node.RunAsync("drain", "echo", "nope")).Exited(1);
        Assert.StartsWith("clusterlb: 404 NotFound: ", missing.ErrorLine);
    }

    [Fact]
    public async Task Policies_are_read_and_set_back()
    {
        var policies = (await node.RunAsync("policies", "get", "--json")).Exited(0).Out;
        Assert.IsType<JsonObject>(JsonNode.Parse(policies));
        var table = await node.ChangeAsync("policies", "set", "--file", await CliNode.FileWith(policies));
        Assert.Equal(JsonNode.Parse(policies)!.ToJsonString(), table["policies"]?.ToJsonString() ?? "{}");
    }

    [Fact]
    public async Task Purge_empties_the_cache_and_names_a_route_that_does_not_exist()
    {
        var purged = JsonNode.Parse((await node.RunAsync("purge", "--json")).Exited(0).Out)!;
        Assert.Equal(0, (int)purged["purgedHere"]!);
        Assert.Matches(@"^purged 0 answers here; sent to 0 other nodes", (await node.RunAsync("purge", "--prefix", "/keyed/")).Exited(0).Out);
        Assert.Equal("clusterlb: 400 BadRequest: routeId: route 'nope' does not exist", (await node.RunAsync("purge", "--route", "nope")).Exited(1).ErrorLine);
    }
}
