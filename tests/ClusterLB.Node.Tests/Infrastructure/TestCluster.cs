using System.Net.Http.Json;
using ClusterLB.Node.Admin;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>
/// Several real nodes in the test process: each with its own Kestrel listeners and actor system,
/// joined over real Akka remoting on loopback, sharing one SQLite journal as nodes of one host do.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly IDictionary<string, string?> _settings;
    private readonly TestNode?[] _nodes;
    private readonly int[] _ports;

    private TestCluster(int size, IDictionary<string, string?> settings, string dataDirectory)
    {
        _settings = settings;
        DataDirectory = dataDirectory;
        _nodes = new TestNode?[size];
        _ports = Enumerable.Range(0, size).Select(_ => ClosedPort.Find()).ToArray();
    }

    public string DataDirectory { get; }

    public int Size => _nodes.Length;

    public TestNode this[int index] => _nodes[index] ?? throw new InvalidOperationException($"node {index} is stopped");

    public IEnumerable<TestNode> Running => _nodes.OfType<TestNode>();

    /// <summary>
    /// Starts <paramref name="size"/> nodes (the first is the seed, its log lines go to <paramref name="seedLogs"/>)
    /// and waits until every one is ready.
    /// </summary>
    public static async Task<TestCluster> StartAsync(int size, IDictionary<string, string?> settings, CapturedLogs? seedLogs = null)
    {
        var cluster = new TestCluster(size, settings, TempDirectory.Create("clusterlb-cluster"));
        for (var i = 0; i < size; i++)
        {
            await cluster.StartNodeAsync(i, i == 0 ? seedLogs : null);
        }

        await cluster.WaitForMembersAsync(size);
        return cluster;
    }

    public async Task StartNodeAsync(int index, CapturedLogs? logs = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var settings = new Dictionary<string, string?>(_settings)
            {
                ["ClusterLB:NodeName"] = $"node-{index + 1}",
                ["ClusterLB:Cluster:Port"] = _ports[index].ToString(),
                ["ClusterLB:Cluster:Seeds:0"] = $"akka.tcp://clusterlb@127.0.0.1:{_ports[0]}",
                ["ClusterLB:Cluster:Seeds:1"] = $"akka.tcp://clusterlb@127.0.0.1:{_ports[1 % _ports.Length]}",
            };
            try
            {
                _nodes[index] = await TestNode.StartAsync(settings, DataDirectory, logs);
                return;
            }
            catch (Exception e) when (attempt < 3 && IsPortTaken(e))
            {
                // The free port chosen up front was taken meanwhile (e.g. as another connection's
                // ephemeral port): this node takes another one.
                _ports[index] = ClosedPort.Find();
            }
        }
    }

    private static bool IsPortTaken(Exception e) =>
        e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }
        || (e.InnerException is { } inner && IsPortTaken(inner))
        || (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsPortTaken));

    /// <summary>Stops node <paramref name="index"/> the way SIGTERM does: drain, leave the cluster.</summary>
    public async Task StopNodeAsync(int index)
    {
        var node = this[index];
        _nodes[index] = null;
        await node.DisposeAsync();
    }

    public Task WaitForMembersAsync(int count) =>
        Eventually.True(
            async () =>
            {
                foreach (var node in Running)
                {
                    var members = (await node.Admin.GetFromJsonAsync<ClusterOverview>("/admin/cluster"))!.Members;
                    if (members.Count(m => m.Status == "Up" && m.Reachable) != count)
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(40),
            $"{count} Up members seen by every node");

    /// <summary>Waits until every running node's proxy runs routing table <paramref name="version"/> or later.</summary>
    public Task WaitForVersionAsync(long version) =>
        Eventually.True(
            async () =>
            {
                foreach (var node in Running)
                {
                    var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
                    if (status!.RoutingTable is not { } table || table.Version < version)
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(20),
            $"routing table v{version} on every node");

    /// <summary>Stops every node, then starts them all again on the same journal and ports.</summary>
    public async Task RestartAllAsync()
    {
        await StopAllAsync();
        for (var i = 0; i < Size; i++)
        {
            await StartNodeAsync(i);
        }

        await WaitForMembersAsync(Size);
    }

    public ValueTask DisposeAsync() => new(StopAllAsync());

    private async Task StopAllAsync()
    {
        // Last first, so that the seed leaves last and nobody waits for a departed seed.
        for (var i = _nodes.Length - 1; i >= 0; i--)
        {
            if (_nodes[i] is { } node)
            {
                _nodes[i] = null;
                await node.DisposeAsync();
            }
        }
    }
}
