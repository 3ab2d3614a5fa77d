using System.IO.Compression;
using System.Text;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Node.Tests.Edge;

/// <summary>
/// A real backend on a loopback port that answers the way backends in the wild do: text and JSON
/// uncompressed, images, its own gzip, byte ranges, and headers that name its software.
/// </summary>
public sealed class EdgeBackend : IAsyncDisposable
{
    public const string Software = "Apache/2.4.1 (Unix)";

    private readonly WebApplication _app;

    private EdgeBackend(WebApplication app) => _app = app;

    public string Url => LoopbackApp.UrlOf(_app);

    public static async Task<EdgeBackend> StartAsync()
    {
        var builder = LoopbackApp.CreateBuilder();
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();
        app.Use((context, next) =>
        {
            context.Response.Headers.Server = Software;
            context.Response.Headers["X-Powered-By"] = "PHP/8.3.0";
            context.Response.Headers["X-AspNet-Version"] = "4.0.30319";
            context.Response.Headers["X-Kept"] = "yes";
            return next(context);
        });
        app.MapGet("/text", (int? size) => Results.Text(Text(size ?? 4096), "text/plain"));
        app.MapGet("/json", (int? size) => Results.Text("[" + string.Join(',', Enumerable.Repeat("{\"name\":\"value\"}", (size ?? 4096) / 17)) + "]", "application/json"));
        app.MapGet("/image", () => Results.Bytes(Encoding.ASCII.GetBytes(Text(8192)), "image/png"));
        app.MapGet("/zip", () => Results.Bytes(Encoding.ASCII.GetBytes(Text(8192)), "application/zip"));
        app.MapGet("/file", () => Results.Bytes(Encoding.ASCII.GetBytes(Text(8192)), "text/plain", enableRangeProcessing: true));
        app.MapGet("/gzipped", async context =>
        {
            using var buffer = new MemoryStream();
            await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(Encoding.ASCII.GetBytes(Text(8192)));
            }

            context.Response.ContentType = "text/plain";
            context.Response.Headers.ContentEncoding = "gzip";
            await context.Response.Body.WriteAsync(buffer.ToArray());
        });
        app.Map("/{**path}", (HttpRequest request) => Results.Json(new
        {
            path = request.Path.Value,
            headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
        }));
        var backend = new EdgeBackend(app);
        await app.StartAsync();
        return backend;
    }

    /// <summary>Compressible text of <paramref name="size"/> bytes.</summary>
    public static string Text(int size)
    {
        var builder = new StringBuilder(size);
        while (builder.Length < size)
        {
            builder.Append("the quick brown fox jumps over the lazy dog ");
        }

        return builder.ToString(0, size);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What the backend's catch-all answers: the path and the headers it received.</summary>
public sealed record SeenRequest(string Path, Dictionary<string, string> Headers)
{
    /// <summary>A header the backend received, whatever the case of its name.</summary>
    public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
