using System.Text.Json.Nodes;
using ClusterLB.Cli.Tests.Infrastructure;

namespace ClusterLB.Cli.Tests;

[Collection(CliNodeCollection.Name)]
public sealed class IfMatchCommandTests(CliNode node)
{
    /// <summary>Every command that changes the routing table, with what it needs; <c>--if-match</c> is added to each.</summary>
    public static TheoryData<string[]> Changes => new()
    {
        new[] { "routes", "set", "guarded", "--file", """{"clusterId":"echo","match":{"path":"/guarded"}}""" },
        new[] { "routes", "remove", "echo" },
        new[] { "clusters", "set", "guarded", "--file", """{"destinations":{"one":{"address":"http://127.0.0.1:1/"}}}""" },
        new[] { "clusters", "remove", "echo" },
        new[] { "destinations", "set", "echo", "gamma", "--file", """{"address":"http://127.0.0.1:3/"}""" },
        new[] { "destinations", "remove", "echo", "beta" },
        new[] { "policies", "set", "--file", "{}" },
        new[] { "drain", "echo", "alpha" },
        new[] { "maintenance", "echo", "alpha" },
        new[] { "enable", "echo", "alpha" },
        new[] { "weight", "echo", "alpha", "3" },
        new[] { "rollback", "1" },
        new[] { "import", "export" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task A_change_on_a_stale_version_is_refused_with_exit_1_naming_the_current_version_and_changes_nothing(string[] change)
    {
        var current = await VersionAsync();
        var stale = current - 1;

        var refused = (await node.RunAsync([.. await Arguments(change), "--if-match", stale.ToString()])).Exited(1);

        Assert.Equal($"clusterlb: refused: the routing table is at version {current}, not {stale} (If-Match)", refused.ErrorLine);
        Assert.Equal(current, await VersionAsync());
    }

    [Fact]
    public async Task A_change_on_the_current_version_is_made_and_the_next_one_on_it_too()
    {
        var current = await VersionAsync();

        var set = JsonNode.Parse((await node.RunAsync(
            [.. await Arguments(["routes", "set", "matched", "--file", """{"clusterId":"echo","match":{"path":"/matched"}}"""]), "--if-match", current.ToString(), "--json"])).Exited(0).Out)!;
        var version = (long)set["version"]!;
        Assert.Equal(current + 1, version);
        Assert.Equal("/matched", (string?)(await node.TableAtLeastAsync(version))["routes"]!["matched"]!["match"]!["path"]);

        var removed = (await node.RunAsync("routes", "remove", "matched", "--if-match", version.ToString())).Exited(0);
        Assert.Equal($"route 'matched' removed: routing table v{version + 1}", removed.Out.Trim());
        Assert.Null((await node.TableAtLeastAsync(version + 1))["routes"]!["matched"]);
    }

    /// <summary>The writer's version: the node applies a change just after it is acknowledged, so its own table may lag.</summary>
    private async Task<long> VersionAsync() => (long)JsonNode.Parse(await node.Node.Admin.GetStringAsync("/admin/history?limit=1"))!["version"]!;

    /// <summary>The command line of <paramref name="change"/>: a JSON after <c>--file</c> goes in a file; <c>export</c> is a fresh export.</summary>
    private async Task<string[]> Arguments(string[] change)
    {
        var arguments = change.ToArray();
        for (var i = 0; i < arguments.Length; i++)
        {
            if (i > 0 && arguments[i - 1] == "--file")
            {
                arguments[i] = await CliNode.FileWith(arguments[i]);
            }
            else if (arguments[0] == "import" && i == 1)
            {
                var file = Path.Combine(ClusterLB.Node.Tests.Infrastructure.TempDirectory.Create("clusterlb-cli-export"), "table.json");
                (await node.RunAsync("export", "--output", file)).Exited(0);
                arguments[i] = file;
            }
        }

        return arguments;
    }
}
