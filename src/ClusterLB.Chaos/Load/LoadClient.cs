using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace ClusterLB.Chaos.Load;

/// <summary>Shape of the load.</summary>
/// <param name="Rate">Requests per second over all nodes.</param>
/// <param name="Keys">Distinct affinity keys; requests with a key go to <see cref="KeyedPath"/> with <see cref="KeyHeader"/>.</param>
/// <param name="KeyedShare">Fraction of requests that carry a key (0-1).</param>
/// <param name="Timeout">How long a request may take before the client gives up on that node.</param>
public sealed record LoadSettings(int Rate = 150, int Keys = 200, double KeyedShare = 0.3, TimeSpan? Timeout = null)
{
    public const string KeyedPath = "/keyed/chaos";
    public const string PlainPath = "/chaos";
    public const string KeyHeader = "X-Session-Key";
    public const string BackendHeader = "X-Backend";

    public TimeSpan RequestTimeout => Timeout ?? TimeSpan.FromSeconds(2);
}

/// <summary>
/// Steady load that behaves like an HTTP client behind a health-checked DNS name: requests are spread
/// round robin over the nodes that are ready, and an idempotent request whose connection fails or
/// times out is sent once more to another node, as browsers and HTTP clients do.
/// </summary>
public sealed class LoadClient : IAsyncDisposable
{
    private readonly LoadSettings _settings;
    private readonly NodeDirectory _nodes;
    private readonly HttpClient _http;
    private readonly ConcurrentQueue<RequestRecord> _records = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _inFlight = [];
    private Task _loop = Task.CompletedTask;
    private long _startedAt;

    public LoadClient(NodeSource source, LoadSettings settings)
    {
        _settings = settings;
        _nodes = new NodeDirectory(source);
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(1),
            // New connections now and then, so a node that rejoins gets its share again.
            PooledConnectionLifetime = TimeSpan.FromSeconds(5),
            MaxConnectionsPerServer = 64,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Requests answered so far, for a runner watching progress.</summary>
    public int Count => _records.Count;

    /// <summary>Waits until some node is ready, then sends <see cref="LoadSettings.Rate"/> requests a second until stopped.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _nodes.StartAsync(cancellationToken);
        _startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _loop = Task.Run(() => SendLoopAsync(_stop.Token));
    }

    /// <summary>Stops sending, waits for the requests in flight, and returns what was seen.</summary>
    public async Task<LoadReport> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Task[] pending;
        lock (_inFlight)
        {
            pending = _inFlight.ToArray();
        }

        await Task.WhenAll(pending);
        List<string> seen;
        lock (_nodes.Seen)
        {
            seen = _nodes.Seen.Order(StringComparer.Ordinal).ToList();
        }

        return new LoadReport(_startedAt, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), seen, _records.OrderBy(r => r.At).ToList());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        await _nodes.DisposeAsync();
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task SendLoopAsync(CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        long sent = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var due = (long)(clock.Elapsed.TotalSeconds * _settings.Rate);
                for (; sent < due; sent++)
                {
                    var task = SendOneAsync(sent);
                    lock (_inFlight)
                    {
                        _inFlight.RemoveAll(t => t.IsCompleted);
                        _inFlight.Add(task);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendOneAsync(long sequence)
    {
        // Keyed requests are a fixed share, spread evenly over the sequence; keys cycle so each recurs.
        var keyedSoFar = (long)((sequence + 1) * _settings.KeyedShare);
        var keyed = keyedSoFar > (long)(sequence * _settings.KeyedShare);
        var key = keyed ? $"key-{(keyedSoFar - 1) % _settings.Keys}" : null;
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        var nodes = _nodes.Serving;
        if (nodes.Count == 0)
        {
            _records.Enqueue(new RequestRecord(at, 0, "-", key, null, "no node resolved", Retried: false));
            return;
        }

        var first = nodes[(int)(sequence % nodes.Count)];
        var (outcome, backend) = await TryAsync(first, key);
        var node = first;
        var retried = false;
        if (outcome is { Retryable: true } && nodes.Count > 1)
        {
            retried = true;
            node = nodes[(int)((sequence + 1) % nodes.Count)];
            (outcome, backend) = await TryAsync(node, key);
        }

        _records.Enqueue(new RequestRecord(at, (int)clock.ElapsedMilliseconds, node.Name, key, backend, outcome?.Reason ?? LoadReport.Ok, retried));
    }

    private sealed record Failure(string Reason, bool Retryable);

    private async Task<(Failure? Failure, string? Backend)> TryAsync(NodeEndpoint node, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.Proxy, key is null ? LoadSettings.PlainPath : LoadSettings.KeyedPath));
        if (key is not null)
        {
            request.Headers.Add(LoadSettings.KeyHeader, key);
        }

        using var timeout = new CancellationTokenSource(_settings.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var backend = response.Headers.TryGetValues(LoadSettings.BackendHeader, out var values) ? values.FirstOrDefault() : null;
            return response.IsSuccessStatusCode
                ? (null, backend)
                : (new Failure($"status {(int)response.StatusCode}", Retryable: false), backend);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return (new Failure("timeout", Retryable: true), null);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException socket
                ? socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.ConnectionReset => "connection reset",
                    SocketError.TimedOut => "connect timeout",
                    _ => $"socket {socket.SocketErrorCode}",
                }
                : e.HttpRequestError switch
                {
                    HttpRequestError.ResponseEnded => "connection closed before the response",
                    HttpRequestError.NameResolutionError => "name not resolved",
                    _ => $"http {e.HttpRequestError}",
                };
            return (new Failure(reason, Retryable: true), null);
        }
    }
}
