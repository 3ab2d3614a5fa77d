using System.Text.Json.Nodes;
using ClusterLB.Cli.Tests.Infrastructure;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Cli.Tests;

[Collection(CliNodeCollection.Name)]
public sealed class HistoryCommandTests(CliNode node)
{
    [Fact]
    public async Task History_diff_rollback_export_and_import_against_a_running_node()
    {
        var set = JsonNode.Parse((await node.RunAsync(
            "clusters", "set", "historic", "--json", "--file", await CliNode.FileWith("""{"destinations":{"one":{"address":"http://127.0.0.1:1/"}}}"""))).Exited(0).Out)!;
        var version = (long)set["version"]!;
        await node.TableAtLeastAsync(version);

        var history = (await node.RunAsync("history")).Exited(0).Out;
        Assert.Contains("historic", history);
        var json = JsonNode.Parse((await node.RunAsync("history", "--json")).Exited(0).Out)!;
        Assert.Contains("\"summary\"", json.ToJsonString());

        var diff = (await node.RunAsync("diff", (version - 1).ToString(), version.ToString())).Exited(0).Out;
        Assert.Contains("historic", diff);

        var folder = TempDirectory.Create("clusterlb-cli-export");
        var file = Path.Combine(folder, "table.json");
        (await node.RunAsync("export", "--output", file)).Exited(0);
        Assert.Contains("\"ReverseProxy\"", await File.ReadAllTextAsync(file));
        var imported = JsonNode.Parse((await node.RunAsync("import", file, "--json")).Exited(0).Out)!;
        var importedVersion = (long)imported["version"]!;
        Assert.True(importedVersion > version);

        // A rollback to the version just made changes nothing else the other tests rely on.
        var rolledBack = JsonNode.Parse((await node.RunAsync("rollback", importedVersion.ToString(), "--json")).Exited(0).Out)!;
        var table = await node.TableAtLeastAsync((long)rolledBack["version"]!);
        Assert.NotNull(table["clusters"]!["historic"]);

        (await node.RunAsync("diff", "999999", "1")).Exited(1);
    }
}
