using System.Net;

namespace ClusterLB.Chaos.Load;

/// <summary>A balancer node as a client sees it: where to send requests and where its readiness is.</summary>
public sealed record NodeEndpoint(string Name, Uri Proxy, Uri Admin);

/// <summary>Where the candidate nodes come from: a fixed list, or every address of one DNS name.</summary>
public abstract class NodeSource
{
    /// <summary>The candidates now.</summary>
    public abstract Task<IReadOnlyList<NodeEndpoint>> ResolveAsync(CancellationToken cancellationToken);

    /// <summary>A fixed list of nodes (a local cluster on loopback ports).</summary>
    public sealed class Fixed(IReadOnlyList<NodeEndpoint> nodes) : NodeSource
    {
        public override Task<IReadOnlyList<NodeEndpoint>> ResolveAsync(CancellationToken cancellationToken) => Task.FromResult(nodes);
    }

    /// <summary>Every address <paramref name="host"/> resolves to, as a DNS round-robin client sees the cluster.</summary>
    public sealed class Dns(string host, int proxyPort, int adminPort) : NodeSource
    {
        public override async Task<IReadOnlyList<NodeEndpoint>> ResolveAsync(CancellationToken cancellationToken)
        {
            IPAddress[] addresses;
            try
            {
                addresses = await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return [];
            }

            return addresses
                .Select(a => a.ToString())
                .Order(StringComparer.Ordinal)
                .Select(a => new NodeEndpoint(a, new Uri($"http://{a}:{proxyPort}"), new Uri($"http://{a}:{adminPort}")))
                .ToList();
        }
    }
}

/// <summary>
/// The nodes a health-checked DNS name or an anycast address would send a client to: the candidates
/// whose <c>/healthz/ready</c> answers 200, re-checked twice a second. When none is ready, all of them
/// (a DNS health checker that sees every node fail keeps answering with all).
/// </summary>
public sealed class NodeDirectory : IAsyncDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);
    private readonly NodeSource _source;
    private readonly HttpClient _health = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(1) };
    private readonly CancellationTokenSource _stop = new();
    private volatile IReadOnlyList<NodeEndpoint> _serving = [];
    private Task _loop = Task.CompletedTask;

    public NodeDirectory(NodeSource source) => _source = source;

    /// <summary>The nodes to send requests to now.</summary>
    public IReadOnlyList<NodeEndpoint> Serving => _serving;

    /// <summary>Every node seen serving at some point.</summary>
    public HashSet<string> Seen { get; } = [];

    /// <summary>Resolves and checks once, then keeps checking in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(CheckInterval);
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await RefreshAsync(_stop.Token);
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _health.Dispose();
        _stop.Dispose();
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var candidates = await _source.ResolveAsync(cancellationToken);
        var ready = await Task.WhenAll(candidates.Select(async node => (node, ready: await IsReadyAsync(node, cancellationToken))));
        var serving = ready.Where(r => r.ready).Select(r => r.node).ToList();
        _serving = serving.Count > 0 ? serving : candidates;
        lock (Seen)
        {
            Seen.UnionWith(serving.Select(n => n.Name));
        }
    }

    private async Task<bool> IsReadyAsync(NodeEndpoint node, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _health.GetAsync(new Uri(node.Admin, "/healthz/ready"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
