using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Https;

/// <summary>
/// Step of the proxy pipeline: redirects plain HTTP to HTTPS and adds HSTS to HTTPS responses, as
/// <c>ClusterLB:Https</c> says, unless the matched route's metadata says otherwise.
/// </summary>
public sealed class HttpsEnforcement(HttpsOptions options, IServer server)
{
    /// <summary>Route metadata: <c>true</c> or <c>false</c>, whether plain HTTP is redirected on this route.</summary>
    public const string RedirectMetadataKey = "ClusterLB.HttpsRedirect";

    /// <summary>Route metadata: <c>true</c> or <c>false</c>, whether HTTPS responses on this route carry HSTS.</summary>
    public const string HstsMetadataKey = "ClusterLB.Hsts";

    private int? _httpsPort;

    /// <summary>Redirects or marks the response, then hands on.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var metadata = context.GetReverseProxyFeature().Route.Config.Metadata;
        if (!context.Request.IsHttps)
        {
            if (Applies(metadata, RedirectMetadataKey, options.RedirectHttp) && HttpsPort() is { } port)
            {
                var request = context.Request;
                var host = port == 443 ? new HostString(request.Host.Host) : new HostString(request.Host.Host, port);
                context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                context.Response.Headers.Location = UriHelper.BuildAbsolute("https", host, request.PathBase, request.Path, request.QueryString);
                return Task.CompletedTask;
            }
        }
        else if (Applies(metadata, HstsMetadataKey, options.Hsts.Enabled))
        {
            var value = options.Hsts.HeaderValue;
            context.Response.OnStarting(() =>
            {
                // The proxy's policy, whatever the backend said.
                context.Response.Headers[HeaderNames.StrictTransportSecurity] = value;
                return Task.CompletedTask;
            });
        }

        return next(context);
    }

    private static bool Applies(IReadOnlyDictionary<string, string>? metadata, string key, bool global) =>
        metadata is not null && metadata.TryGetValue(key, out var value) && bool.TryParse(value, out var onRoute) ? onRoute : global;

    private int? HttpsPort()
    {
        if (options.HttpsPort is { } configured)
        {
            return configured;
        }

        // Known once the listeners are bound (ports given as 0 included).
        return _httpsPort ??= server.Features.Get<IServerAddressesFeature>()?.Addresses
            .Where(a => a.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            .Select(a => BindingAddress.Parse(a).Port)
            .Cast<int?>()
            .FirstOrDefault();
    }
}

/// <summary>Adds <see cref="HttpsEnforcement"/> to the proxy pipeline.</summary>
public static class HttpsEnforcementExtensions
{
    /// <summary>Redirect to HTTPS and HSTS, per <c>ClusterLB:Https</c> and route metadata.</summary>
    public static IReverseProxyApplicationBuilder UseHttpsEnforcement(this IReverseProxyApplicationBuilder pipeline)
    {
        var enforcement = pipeline.ApplicationServices.GetRequiredService<HttpsEnforcement>();
        pipeline.Use(enforcement.InvokeAsync);
        return pipeline;
    }
}
