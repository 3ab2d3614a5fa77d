using System.Collections.Concurrent;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>What one backend received from a proxy, after the proxy's transforms.</summary>
public sealed record BackendRequest(
    string Destination,
    string Protocol,
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body);

/// <summary>
/// A backend on a loopback port that records every request it receives and answers with its name.
/// It answers a request whose path has a <c>/slow</c> part only when the proxy gives up, so route timeouts fire.
/// </summary>
public sealed class CapturingBackend : IAsyncDisposable
{
    /// <summary>A header every answer carries, for the response-header transforms to act on.</summary>
    public const string AnswerHeader = "X-Backend-Answer";

    /// <summary>The path active health checks probe; answered 200 and not recorded.</summary>
    public const string ProbePath = "/healthz";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<BackendRequest> _received;

    private CapturingBackend(string name, WebApplication app, ConcurrentQueue<BackendRequest> received)
    {
        Name = name;
        _app = app;
        _received = received;
    }

    public string Name { get; }

    /// <summary>Base URL, e.g. http://127.0.0.1:41234/.</summary>
    public string Url => LoopbackApp.UrlOf(_app) + "/";

    public static async Task<CapturingBackend> StartAsync(string name, ConcurrentQueue<BackendRequest> received)
    {
        var builder = LoopbackApp.CreateBuilder();
        var app = builder.Build();
        app.Run(context => AnswerAsync(name, received, context));
        await app.StartAsync();
        return new CapturingBackend(name, app, received);
    }

    private static async Task AnswerAsync(string name, ConcurrentQueue<BackendRequest> received, HttpContext context)
    {
        var request = context.Request;
        if (request.Path == ProbePath)
        {
            return; // active health probes are the proxies' own traffic, not the client's request
        }

        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        received.Enqueue(new BackendRequest(
            name,
            request.Protocol,
            request.Method,
            request.Path.Value ?? "",
            request.QueryString.Value ?? "",
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body));

        if (request.Path.Value!.Contains("/slow", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.Headers[AnswerHeader] = name;
        await context.Response.WriteAsync($"{name} answered {request.Method} {request.Path}{request.QueryString}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
