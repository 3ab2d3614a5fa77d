using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>
/// A bare YARP app and a ClusterLB node started from the same <c>ReverseProxy</c> configuration, in
/// front of the same capturing backends. Each exchange goes to both; what the backend received and
/// what the client got must be the same, up to <see cref="DocumentedDifferences"/>.
/// </summary>
public sealed partial class ProxyPair : IAsyncDisposable
{
    private readonly ConcurrentQueue<BackendRequest> _received;
    private readonly IReadOnlyList<CapturingBackend> _backends;
    private readonly BareYarp _yarp;
    private readonly TestNode _node;

    private ProxyPair(ConcurrentQueue<BackendRequest> received, IReadOnlyList<CapturingBackend> backends, BareYarp yarp, TestNode node)
    {
        _received = received;
        _backends = backends;
        _yarp = yarp;
        _node = node;
        Yarp = Exchange.Client(yarp.Url);
        ClusterLB = Exchange.Client(node.Node.ProxyUrls[0]);
    }

    public HttpClient Yarp { get; }

    public HttpClient ClusterLB { get; }

    /// <summary>
    /// Starts backends named by the <c>backend:NAME</c> placeholders in <paramref name="configurationJson"/>
    /// (a JSON document with a <c>ReverseProxy</c> section), fills in their addresses, then starts both proxies.
    /// </summary>
    public static async Task<ProxyPair> StartAsync(string configurationJson, YarpFeatures features = YarpFeatures.None)
    {
        var received = new ConcurrentQueue<BackendRequest>();
        var names = BackendPlaceholder().Matches(configurationJson).Select(m => m.Groups[1].Value).Distinct().ToList();
        var backends = await Task.WhenAll(names.Select(name => CapturingBackend.StartAsync(name, received)));
        var json = BackendPlaceholder().Replace(configurationJson, m => backends.Single(b => b.Name == m.Groups[1].Value).Url);

        var yarp = BareYarp.StartAsync(json, features);
        var node = TestNode.StartAsync(Flatten(json));
        try
        {
            await Task.WhenAll(yarp, node);
        }
        catch
        {
            await StopAsync(yarp, node, backends);
            throw;
        }

        return new ProxyPair(received, backends, yarp.Result, node.Result);
    }

    /// <summary>What ClusterLB's configuration reader says about <paramref name="configurationJson"/>'s <c>ReverseProxy</c> section.</summary>
    public static IReadOnlyList<ValidationError> ClusterLBRefusals(string configurationJson)
    {
        var json = BackendPlaceholder().Replace(configurationJson, m => $"http://127.0.0.1:1/{m.Groups[1].Value}/");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Flatten(json)).Build();
        return NodeConfiguration.Read(configuration).Errors.Where(e => e.Field.StartsWith(ReverseProxySection.Name, StringComparison.Ordinal)).ToList();
    }

    /// <summary>Sends each exchange to YARP, then to ClusterLB, and fails with every undocumented difference.</summary>
    public async Task<IReadOnlyList<(Observation Yarp, Observation ClusterLB)>> CompareAsync(params Exchange[] exchanges)
    {
        var observed = new List<(Observation, Observation)>();
        var report = new StringBuilder();
        foreach (var exchange in exchanges)
        {
            var yarp = await Observation.ObserveAsync(Yarp, exchange, _received);
            var clusterLB = await Observation.ObserveAsync(ClusterLB, exchange, _received);
            observed.Add((yarp, clusterLB));
            if (Observation.Differences(yarp, clusterLB) is { Count: > 0 } differences)
            {
                report.AppendLine($"{exchange}:").AppendJoin('\n', differences).AppendLine();
            }
        }

        if (report.Length > 0)
        {
            Assert.Fail("ClusterLB differs from YARP on the same configuration:\n" + report);
        }

        return observed;
    }

    public async ValueTask DisposeAsync()
    {
        Yarp.Dispose();
        ClusterLB.Dispose();
        await StopAsync(Task.FromResult(_yarp), Task.FromResult(_node), _backends);
    }

    private static async Task StopAsync(Task<BareYarp> yarp, Task<TestNode> node, IEnumerable<CapturingBackend> backends)
    {
        var stops = new List<Task>();
        if (yarp.IsCompletedSuccessfully)
        {
            stops.Add(yarp.Result.DisposeAsync().AsTask());
        }

        if (node.IsCompletedSuccessfully)
        {
            stops.Add(node.Result.DisposeAsync().AsTask());
        }

        await Task.WhenAll(stops);
        await Task.WhenAll(backends.Select(b => b.DisposeAsync().AsTask()));
    }

    // The settings keys a user's appsettings.json section becomes, as ClusterLB reads them.
    private static Dictionary<string, string?> Flatten(string json) =>
        new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)))
            .Build()
            .AsEnumerable()
            .Where(setting => setting.Value is not null)
            .ToDictionary(setting => setting.Key, setting => setting.Value, StringComparer.OrdinalIgnoreCase);

    [GeneratedRegex(@"backend:([a-z0-9-]+)/?")]
    private static partial Regex BackendPlaceholder();
}
