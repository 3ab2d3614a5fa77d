using System.Text.Json.Nodes;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Cli.Tests.Infrastructure;

/// <summary>
/// One real node for the client's tests, with two echo backends behind a header-keyed cluster
/// <c>echo</c> at <c>/keyed/</c>. Tests that change the table use ids of their own.
/// </summary>
public sealed class CliNode : IAsyncLifetime
{
    public Backends Backends { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backends = await ClusterLB.Node.Tests.Infrastructure.Backends.StartAsync("alpha", "beta");
        Node = await TestNode.StartAsync(new RouteSettings()
            .Route("echo", "/keyed", "echo")
            .Cluster("echo", ("alpha", Backends[0].Url), ("beta", Backends[1].Url))
            .KeyedHeaderAffinity("echo"));
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backends.DisposeAsync();
    }

    /// <summary>Runs the client against this node with the write token.</summary>
    public Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync([.. args, "--server", Node.Node.AdminUrl, "--token", TestNode.WriteToken]);

    /// <summary>The routing table the node serves now.</summary>
    public async Task<JsonNode> TableAsync() => JsonNode.Parse(await Node.Admin.GetStringAsync("/admin/routing-table"))!;

    /// <summary>Runs a change with <c>--json</c>, and answers the table once the node serves the change's version.</summary>
    public async Task<JsonNode> ChangeAsync(params string[] args) =>
        await TableAtLeastAsync((long)JsonNode.Parse((await RunAsync([.. args, "--json"])).Exited(0).Out)!["version"]!);

    /// <summary>The routing table once the node serves version <paramref name="version"/> or a later one.</summary>
    public async Task<JsonNode> TableAtLeastAsync(long version) =>
        await Eventually.Get(
            async () => await TableAsync() is var table && (long)table["version"]! >= version ? table : null,
            TimeSpan.FromSeconds(10),
            $"routing table v{version} applied");

    /// <summary>A new file holding <paramref name="json"/>.</summary>
    public static async Task<string> FileWith(string json)
    {
        var path = Path.Combine(TempDirectory.Create("clusterlb-cli"), "body.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class CliNodeCollection : ICollectionFixture<CliNode>
{
    public const string Name = "one node for the client";
}
