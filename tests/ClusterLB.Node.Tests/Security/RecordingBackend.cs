using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Node.Tests.Security;

/// <summary>What reached the backend: the request line as received and every header.</summary>
public sealed record RecordedRequest(string Method, string RawTarget, string Path, IReadOnlyDictionary<string, string> Headers, long BodyBytes, bool Completed);

/// <summary>
/// A backend that records every request that reaches it. Requests under <c>/hold</c> are kept open
/// until the client (the proxy) gives up, so that floods of them pile up in flight.
/// </summary>
public sealed class RecordingBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _targets = new();
    private int _received;
    private int _inFlight;

    private RecordingBackend(WebApplication app) => _app = app;

    /// <summary>Base URL, e.g. http://127.0.0.1:41234.</summary>
    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Requests whose handling has finished (answered, or aborted by the proxy), in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToList();

    /// <summary>Requests whose headers reached the backend, finished or not.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>Requests the backend is handling right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public static async Task<RecordingBackend> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // The backend must see whatever the proxy forwards, so its own limits are out of the way.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var backend = new RecordingBackend(app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        return backend;
    }

    /// <summary>Whether a request for <paramref name="pathPart"/> ever reached the backend, finished or not.</summary>
    public bool Saw(string pathPart) => _targets.Any(target => target.Contains(pathPart, StringComparison.OrdinalIgnoreCase));

    /// <summary>Request targets in the order they reached the backend, finished or not.</summary>
    public IReadOnlyList<string> Targets => _targets.ToList();

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _received);
        Interlocked.Increment(ref _inFlight);
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        _targets.Enqueue(rawTarget);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        long bodyBytes = 0;
        var completed = false;
        try
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                bodyBytes += read;
            }

            if (context.Request.Path.StartsWithSegments("/hold"))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }

            await context.Response.WriteAsync($"received {context.Request.Method} {rawTarget} with {bodyBytes} body bytes\n", context.RequestAborted);
            completed = true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // The proxy gave up on the request; it is recorded as not completed.
        }
        finally
        {
            _requests.Enqueue(new RecordedRequest(context.Request.Method, rawTarget, context.Request.Path.Value ?? "", headers, bodyBytes, completed));
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
