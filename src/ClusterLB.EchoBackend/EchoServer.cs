using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using ClusterLB.EchoBackend.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClusterLB.EchoBackend;

/// <summary>
/// A small HTTP backend that answers with its name and what it received. Runs on its own
/// (<c>--name</c>, <c>--urls</c>) or inside another process (demo mode, tests, benchmarks).
/// Serves the <c>clusterlb.echo.Echo</c> gRPC service on its HTTP/2 endpoints (see <see cref="EchoEndpoints"/>).
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    /// <summary>Response header naming the backend that answered.</summary>
    public const string BackendHeader = "X-Backend";

    /// <summary>Header a ClusterLB prober puts on health checks, naming itself.</summary>
    public const string ProberHeader = "X-ClusterLB-Prober";

    private const string H2cEndpoint = "H2c";
    private const string TlsEndpoint = "Tls";
    private const string HttpEndpoint = "Http";

    private readonly WebApplication _app;
    private readonly Dictionary<string, ListenOptions> _endpoints;
    private long _requestBodyBytes;
    private volatile bool _failingHealth;
    private int _injectedLatencyMs;
    private int _requestsInFlight;

    private EchoServer(WebApplication app, string name, Dictionary<string, ListenOptions> endpoints, GrpcCallLog grpcCalls)
    {
        _app = app;
        Name = name;
        _endpoints = endpoints;
        GrpcCalls = grpcCalls;
    }

    /// <summary>The name the backend answers with.</summary>
    public string Name { get; }

    /// <summary>Base URLs the backend listens on, once started.</summary>
    public IReadOnlyList<string> Urls =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>The first HTTP/1.1 URL the backend listens on.</summary>
    public string Url => EndpointUrl(HttpEndpoint + 0, "http") ?? Urls[0];

    /// <summary>The URL of the HTTP/2-only cleartext endpoint (h2c); null when there is none.</summary>
    public string? H2cUrl => EndpointUrl(H2cEndpoint, "http");

    /// <summary>The URL of the TLS endpoint (HTTP/1.1 and HTTP/2); null when there is none.</summary>
    public string? TlsUrl => EndpointUrl(TlsEndpoint, "https");

    /// <summary>How the gRPC calls that carried a call id ended.</summary>
    public GrpcCallLog GrpcCalls { get; }

    /// <summary>Close statuses that WebSocket clients sent to <c>/ws</c>, in order.</summary>
    public ConcurrentQueue<WebSocketCloseStatus> WebSocketCloses { get; } = new();

    /// <summary>Requests being answered right now.</summary>
    public int RequestsInFlight => Volatile.Read(ref _requestsInFlight);

    /// <summary>Request body bytes read so far, over all requests.</summary>
    public long RequestBodyBytes => Interlocked.Read(ref _requestBodyBytes);

    /// <summary>Whether <c>/health</c> answers 503.</summary>
    public bool FailingHealth
    {
        get => _failingHealth;
        set => _failingHealth = value;
    }

    /// <summary>Delay added before every answer, health checks included (chaos: a slow backend); 0 for none.</summary>
    public TimeSpan InjectedLatency
    {
        get => TimeSpan.FromMilliseconds(Volatile.Read(ref _injectedLatencyMs));
        set => Volatile.Write(ref _injectedLatencyMs, (int)value.TotalMilliseconds);
    }

    /// <summary>Health checks received, by the value of their <c>X-ClusterLB-Prober</c> header ("" when absent).</summary>
    public ConcurrentDictionary<string, int> HealthChecks { get; } = new(StringComparer.Ordinal);

    /// <summary>The prober of the last health check.</summary>
    public string? LastProber { get; private set; }

    /// <summary>Named gates that <c>/stream?gate=NAME</c> waits on after its first chunk.</summary>
    public StreamGates Gates { get; } = new();

    /// <summary>Builds a backend named <paramref name="name"/> listening on HTTP/1.1 <paramref name="urls"/>; start it with <see cref="StartAsync"/>.</summary>
    public static EchoServer Create(string name, string urls, string[]? args = null, Action<ILoggingBuilder>? logging = null) =>
        Create(name, new EchoEndpoints(urls), args, logging);

    /// <summary>Builds a backend named <paramref name="name"/> listening on <paramref name="endpoints"/>; start it with <see cref="StartAsync"/>.</summary>
    /// <exception cref="ArgumentException">An endpoint setting is wrong; the message names it.</exception>
    public static EchoServer Create(string name, EchoEndpoints endpoints, string[]? args = null, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Errors() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(endpoints));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        var bound = new Dictionary<string, ListenOptions>(StringComparer.Ordinal);
        var kestrelSection = KestrelSection(endpoints);
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var loader = kestrel.Configure(kestrelSection);
            foreach (var endpoint in kestrelSection.GetSection("Endpoints").GetChildren())
            {
                loader.Endpoint(endpoint.Key, configured => bound[endpoint.Key] = configured.ListenOptions);
            }
        });
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        var grpcCalls = new GrpcCallLog();
        builder.Services.AddSingleton(grpcCalls);
        builder.Services.AddSingleton(new EchoGrpcService(name));
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<GrpcCallTracking>());
        var app = builder.Build();
        var server = new EchoServer(app, name, bound, grpcCalls);
        server.Map(app);
        return server;
    }

    /// <summary>The endpoints as a <c>Kestrel</c> configuration section, so Kestrel parses the URLs as it does everywhere.</summary>
    private static IConfiguration KestrelSection(EchoEndpoints endpoints)
    {
        var settings = new Dictionary<string, string?>();
        var urls = endpoints.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < urls.Length; i++)
        {
            settings[$"Endpoints:{HttpEndpoint}{i}:Url"] = urls[i];
            settings[$"Endpoints:{HttpEndpoint}{i}:Protocols"] = nameof(HttpProtocols.Http1);
        }

        if (endpoints.H2cUrl is { } h2c)
        {
            settings[$"Endpoints:{H2cEndpoint}:Url"] = h2c;
            settings[$"Endpoints:{H2cEndpoint}:Protocols"] = nameof(HttpProtocols.Http2);
        }

        if (endpoints.TlsUrl is { } tls)
        {
            settings[$"Endpoints:{TlsEndpoint}:Url"] = tls;
            settings[$"Endpoints:{TlsEndpoint}:Protocols"] = nameof(HttpProtocols.Http1AndHttp2);
            settings[$"Endpoints:{TlsEndpoint}:Certificate:Path"] = endpoints.Certificate;
            settings[$"Endpoints:{TlsEndpoint}:Certificate:KeyPath"] = endpoints.CertificateKey;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }

    private string? EndpointUrl(string endpoint, string scheme) =>
        _endpoints.TryGetValue(endpoint, out var options) && options.IPEndPoint is { } bound
            ? $"{scheme}://{(bound.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bound.Address}]" : bound.Address.ToString())}:{bound.Port}"
            : null;

    /// <summary>Starts listening.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Waits until the process is asked to stop (SIGTERM, Ctrl+C).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Map(WebApplication app)
    {
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            context.Response.Headers[BackendHeader] = Name;
            Interlocked.Increment(ref _requestsInFlight);
            try
            {
                await next(context);
            }
            finally
            {
                Interlocked.Decrement(ref _requestsInFlight);
            }
        });
        app.Use(async (context, next) =>
        {
            if (Volatile.Read(ref _injectedLatencyMs) is > 0 and var latency && context.Request.Path != "/chaos/latency")
            {
                await Task.Delay(latency, context.RequestAborted);
            }

            await next(context);
        });
        app.MapPost("/chaos/latency", (HttpContext context) =>
        {
            var ms = ReadInt(context, "ms", 0, 600_000, absent: -1);
            if (ms.Error is not null || ms.Value < 0)
            {
                return Results.Text(ms.Error ?? "ms is required: the latency to add, in milliseconds (0 removes it)\n", statusCode: StatusCodes.Status400BadRequest);
            }

            InjectedLatency = TimeSpan.FromMilliseconds(ms.Value);
            return Results.Text($"{Name}: every answer now waits {ms.Value} ms\n");
        });

        app.MapGet("/health", (HttpRequest request) =>
        {
            var prober = request.Headers[ProberHeader].ToString();
            HealthChecks.AddOrUpdate(prober, 1, (_, n) => n + 1);
            LastProber = prober;
            return FailingHealth
                ? Results.Text($"{Name}: failing\n", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text($"{Name}: ok\n");
        });
        app.MapGet("/health/probes", () => Results.Json(new { probes = HealthChecks, lastProber = LastProber }));
        app.MapPost("/health/fail", () => { FailingHealth = true; return Results.Text($"{Name}: health now fails\n"); });
        app.MapPost("/health/recover", () => { FailingHealth = false; return Results.Text($"{Name}: health now ok\n"); });
        app.MapPost("/gates/{gate}", (string gate) => { Gates.Open(gate); return Results.Text($"gate {gate} open\n"); });
        app.Map("/status/{code:int}", (int code) => code switch
        {
            < 200 or > 599 => Results.Text("status code must be between 200 and 599\n", statusCode: StatusCodes.Status400BadRequest),
            204 or 304 => Results.StatusCode(code), // these carry no body
            _ => Results.Text($"{Name}: status {code}\n", statusCode: code),
        });
        app.MapGrpcService<EchoGrpcService>();
        app.MapGet("/stream", StreamAsync);
        app.Map("/ws", EchoWebSocketAsync);
        app.Map("/{**path}", EchoAsync);
    }

    private async Task EchoAsync(HttpContext context)
    {
        var delay = ReadInt(context, "delay", 0, 600_000, absent: 0);
        var size = ReadInt(context, "size", 0, int.MaxValue, absent: -1);
        if (await RejectAsync(context, delay, size))
        {
            return;
        }

        if (delay.Value > 0)
        {
            await Task.Delay(delay.Value, context.RequestAborted);
        }

        var bodyLength = await CountRequestBodyAsync(context.Request.Body, context.RequestAborted);

        if (size.Value >= 0)
        {
            var json = context.Request.Query["type"] == "json";
            context.Response.ContentType = json ? "application/json" : "application/octet-stream";
            context.Response.ContentLength = size.Value;
            await WriteFillerAsync(context.Response, json ? JsonFiller : Filler, size.Value, context.RequestAborted);
            return;
        }

        var echo = new
        {
            backend = Name,
            method = context.Request.Method,
            path = context.Request.Path.Value,
            query = context.Request.QueryString.Value,
            protocol = context.Request.Protocol,
            headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            bodyLength,
            generatedAt = DateTimeOffset.UtcNow.ToString("O"), // shows whether an answer came from a cache
        };
        await context.Response.WriteAsJsonAsync(echo, EchoJson, context.RequestAborted);
    }

    private async Task StreamAsync(HttpContext context)
    {
        var chunks = ReadInt(context, "chunks", 1, 100_000, absent: 5);
        var chunkSize = ReadInt(context, "chunkSize", 1, 16 * 1024 * 1024, absent: 64);
        var interval = ReadInt(context, "interval", 0, 60_000, absent: 0);
        if (await RejectAsync(context, chunks, chunkSize, interval))
        {
            return;
        }

        var gate = context.Request.Query["gate"].ToString();
        context.Response.ContentType = "application/octet-stream";
        for (var i = 0; i < chunks.Value; i++)
        {
            await WriteFillerAsync(context.Response, Filler, chunkSize.Value, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (i == 0 && gate.Length > 0)
            {
                await Gates.WaitAsync(gate, context.RequestAborted);
            }
            else if (interval.Value > 0 && i < chunks.Value - 1)
            {
                await Task.Delay(interval.Value, context.RequestAborted);
            }
        }
    }

    private async Task EchoWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("/ws expects a WebSocket upgrade\n");
            return;
        }

        var closeAfter = ReadInt(context, "closeAfter", 1, int.MaxValue, absent: 0);
        if (await RejectAsync(context, closeAfter))
        {
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[16 * 1024];
        var echoed = 0;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                WebSocketCloses.Enqueue(received.CloseStatus ?? WebSocketCloseStatus.Empty);
                if (socket.State == WebSocketState.CloseReceived)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                }

                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            if (received.EndOfMessage && ++echoed == closeAfter.Value)
            {
                // The backend starts the close handshake; the client's answer arrives as a Close message above.
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, $"closing after {echoed} messages", context.RequestAborted);
            }
        }
    }

    private async Task<long> CountRequestBodyAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            Interlocked.Add(ref _requestBodyBytes, read);
        }

        return total;
    }

    private static async Task WriteFillerAsync(HttpResponse response, byte[] filler, long size, CancellationToken cancellationToken)
    {
        var chunk = filler.AsMemory();
        for (long left = size; left > 0; left -= chunk.Length)
        {
            await response.Body.WriteAsync(chunk[..(int)Math.Min(chunk.Length, left)], cancellationToken);
        }
    }

    private readonly record struct QueryInt(int Value, string? Error);

    /// <summary>Reads whole-number query parameter <paramref name="name"/>: <paramref name="absent"/> when missing.</summary>
    private static QueryInt ReadInt(HttpContext context, string name, int min, int max, int absent)
    {
        var raw = context.Request.Query[name].ToString();
        if (raw.Length == 0)
        {
            return new(absent, null);
        }

        return int.TryParse(raw, out var value) && value >= min && value <= max
            ? new(value, null)
            : new(0, $"query parameter '{name}' must be a whole number from {min} to {max}, was '{raw}'\n");
    }

    private static async Task<bool> RejectAsync(HttpContext context, params QueryInt[] values)
    {
        if (values.FirstOrDefault(v => v.Error is not null).Error is not { } error)
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsync(error);
        return true;
    }

    private static readonly byte[] Filler = Enumerable.Repeat((byte)'x', 64 * 1024).ToArray();

    /// <summary>64 KB of JSON-like records that compress about as well as a real API answer (<c>?type=json</c>).</summary>
    private static readonly byte[] JsonFiller = BuildJsonFiller();

    private static byte[] BuildJsonFiller()
    {
        var random = new Random(42);
        var names = new[] { "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi" };
        var text = new System.Text.StringBuilder();
        while (text.Length < 64 * 1024)
        {
            var name = names[random.Next(names.Length)];
            text.Append($"{{\"id\":{random.Next(1_000_000)},\"name\":\"{name}\",\"email\":\"{name}{random.Next(1000)}@example.com\",");
            text.Append($"\"balance\":{random.Next(100_000)}.{random.Next(100):D2},\"active\":{(random.Next(2) == 0 ? "true" : "false")},\"token\":\"{random.NextInt64():x16}\"}},\n");
        }

        return System.Text.Encoding.UTF8.GetBytes(text.ToString(0, 64 * 1024));
    }

    private static readonly JsonSerializerOptions EchoJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
