using System.Collections.Concurrent;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ClusterLB.Node.Tests.Caching;

/// <summary>
/// A backend that answers with the caching headers a request asks for in its query (<c>cc</c>
/// Cache-Control, <c>etag</c>, <c>vary</c>, <c>expires</c> seconds from now, <c>cookie</c>,
/// <c>size</c> bytes, <c>delay</c> ms), answers 304 to a matching If-None-Match, and counts what
/// reached it per path.
/// </summary>
public sealed class CacheOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _full = new();
    private readonly ConcurrentDictionary<string, int> _notModified = new();

    private CacheOrigin(WebApplication app) => _app = app;

    public string Url => LoopbackApp.UrlOf(_app);

    /// <summary>Full answers sent for <paramref name="path"/>.</summary>
    public int Full(string path) => _full.GetValueOrDefault(path);

    /// <summary>304 answers sent for <paramref name="path"/>.</summary>
    public int NotModified(string path) => _notModified.GetValueOrDefault(path);

    public static async Task<CacheOrigin> StartAsync()
    {
        var app = LoopbackApp.CreateBuilder().Build();
        var origin = new CacheOrigin(app);
        app.Run(origin.AnswerAsync);
        await app.StartAsync();
        return origin;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var path = context.Request.Path.Value!;
        if (int.TryParse(query["delay"], out var delay))
        {
            await Task.Delay(delay, context.RequestAborted);
        }

        var etag = query["etag"].ToString();
        if (etag.Length > 0 && context.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            _notModified.AddOrUpdate(path, 1, (_, n) => n + 1);
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = query["cc"].ToString();
            return;
        }

        var served = _full.AddOrUpdate(path, 1, (_, n) => n + 1);
        var headers = context.Response.Headers;
        if (query["cc"].ToString() is { Length: > 0 } cacheControl)
        {
            headers.CacheControl = cacheControl;
        }

        if (etag.Length > 0)
        {
            headers.ETag = etag;
        }

        if (query["vary"].ToString() is { Length: > 0 } vary)
        {
            headers.Vary = vary;
        }

        if (int.TryParse(query["expires"], out var seconds))
        {
            headers.Expires = DateTimeOffset.UtcNow.AddSeconds(seconds).ToString("R");
        }

        if (query["cookie"] == "1")
        {
            headers.SetCookie = "session=abc; Path=/";
        }

        var size = int.TryParse(query["size"], out var bytes) ? bytes : 0;
        var varied = query["vary"].ToString() is { Length: > 0 } name ? context.Request.Headers[name].ToString() : "";
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync($"{path} answer {served} for '{varied}' {new string('x', size)}");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
