using System.Collections.Concurrent;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ClusterLB.Node.Tests.Retries;

/// <summary>How a <see cref="FaultyBackend"/> treats every request, after reading its whole body.</summary>
public enum Fault
{
    /// <summary>200 with its name as the body.</summary>
    None,

    /// <summary>Breaks the connection before any response.</summary>
    Reset,

    /// <summary>503 with <c>{name}: overloaded</c> as the body and an <c>X-Backend</c> header.</summary>
    Unavailable,

    /// <summary>502 with <c>{name}: bad gateway</c> as the body.</summary>
    BadGateway,

    /// <summary>Sends the status line, headers and a first piece of the body, then breaks the connection when the test says (<see cref="FaultyBackend.Break"/>).</summary>
    HeadersThenReset,

    /// <summary>Never answers (until the proxy gives up).</summary>
    Silent,
}

/// <summary>A real Kestrel backend on a loopback port that fails in one chosen way and records what it received.</summary>
public sealed class FaultyBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _breaks = new(0);
    private int _requests;

    private FaultyBackend(string name, Fault fault, WebApplication app)
    {
        Name = name;
        Fault = fault;
        _app = app;
    }

    public string Name { get; }

    public Fault Fault { get; }

    public string Url => LoopbackApp.UrlOf(_app);

    /// <summary>Requests that reached this backend.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The bodies of those requests, in arrival order.</summary>
    public ConcurrentQueue<byte[]> Bodies { get; } = new();

    public static async Task<FaultyBackend> StartAsync(string name, Fault fault)
    {
        var app = LoopbackApp.CreateBuilder().Build();
        var backend = new FaultyBackend(name, fault, app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        return backend;
    }

    /// <summary>Lets one <see cref="Fault.HeadersThenReset"/> answer break its connection.</summary>
    public void Break() => _breaks.Release();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        Bodies.Enqueue(body.ToArray());
        switch (Fault)
        {
            case Fault.Reset:
                context.Abort();
                break;
            case Fault.Unavailable:
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers["X-Backend"] = Name;
                context.Response.Headers.RetryAfter = "7";
                await context.Response.WriteAsync($"{Name}: overloaded");
                break;
            case Fault.BadGateway:
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                await context.Response.WriteAsync($"{Name}: bad gateway");
                break;
            case Fault.HeadersThenReset:
                await context.Response.WriteAsync(new string('x', 100));
                await context.Response.Body.FlushAsync();
                await _breaks.WaitAsync(context.RequestAborted);
                context.Abort();
                break;
            case Fault.Silent:
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            default:
                await context.Response.WriteAsync(Name);
                break;
        }
    }
}
