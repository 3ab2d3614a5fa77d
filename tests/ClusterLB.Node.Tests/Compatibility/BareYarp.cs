using System.Text;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>Middleware that YARP's documentation tells a user to add for a route feature.</summary>
[Flags]
public enum YarpFeatures
{
    None = 0,

    /// <summary>Route <c>Timeout</c>/<c>TimeoutPolicy</c>: <c>AddRequestTimeouts</c> and <c>UseRequestTimeouts</c>.</summary>
    RequestTimeouts = 1,

    /// <summary>Route <c>AuthorizationPolicy</c>: <c>AddAuthorization</c> and <c>UseAuthorization</c>.</summary>
    Authorization = 2,

    /// <summary>Route <c>CorsPolicy</c>: <c>AddCors</c> and <c>UseCors</c>.</summary>
    Cors = 4,
}

/// <summary>
/// The smallest YARP app a user would write for a configuration: the getting-started app plus the
/// middleware the documentation asks for, on a loopback port.
/// </summary>
public sealed class BareYarp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareYarp(WebApplication app) => _app = app;

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<BareYarp> StartAsync(string configurationJson, YarpFeatures features)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // Logging on, as in any YARP app: with a logger listening, ASP.NET Core starts an activity per
        // request, whose trace context YARP forwards (traceparent). Captured, not printed.
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new CapturedLogs());
        builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(configurationJson)));
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        if (features.HasFlag(YarpFeatures.RequestTimeouts))
        {
            builder.Services.AddRequestTimeouts();
        }

        if (features.HasFlag(YarpFeatures.Authorization))
        {
            builder.Services.AddAuthorization();
        }

        if (features.HasFlag(YarpFeatures.Cors))
        {
            builder.Services.AddCors();
        }

        var app = builder.Build();
        if (features.HasFlag(YarpFeatures.Cors))
        {
            app.UseCors();
        }

        if (features.HasFlag(YarpFeatures.Authorization))
        {
            app.UseAuthorization();
        }

        if (features.HasFlag(YarpFeatures.RequestTimeouts))
        {
            app.UseRequestTimeouts();
        }

        app.MapReverseProxy();
        await app.StartAsync();
        return new BareYarp(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
