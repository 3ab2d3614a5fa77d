using System.Globalization;
using System.Threading.RateLimiting;
using ClusterLB.Cluster.RateLimiting;
using ClusterLB.Node.Proxy;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.RateLimiting;

/// <summary>
/// Cluster-wide rate limits on routes (<c>ClusterLB:Policies:RateLimiting</c>, named by a route's
/// <c>RateLimiterPolicy</c>): a request over its client key's limit is answered 429 with <c>Retry-After</c>.
/// The request asks only this node's limiter; the shares move in the background.
/// </summary>
public static class ClusterRateLimiting
{
    /// <summary>Header naming the proxy's reason for the 429.</summary>
    public const string Reason = "RateLimited";

    /// <summary>Registers the limits and their rebalancing.</summary>
    public static IServiceCollection AddClusterRateLimiting(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<ClusterRateLimits>();
        services.AddSingleton<IAppliedTableObserver>(s => s.GetRequiredService<ClusterRateLimits>());
        services.AddSingleton<IRateLimitDemand>(s => s.GetRequiredService<ClusterRateLimits>());
        return services;
    }

    /// <summary>Adds the limits to the YARP pipeline, once the route is known and before anything reaches a backend.</summary>
    public static IReverseProxyApplicationBuilder UseClusterRateLimiting(this IReverseProxyApplicationBuilder pipeline)
    {
        var limits = pipeline.ApplicationServices.GetRequiredService<ClusterRateLimits>();
        pipeline.Use((context, next) =>
            context.GetReverseProxyFeature().Route.Config.RouteId is { } routeId && limits.ForRoute(routeId) is { } route
                ? LimitAsync(context, next, route)
                : next(context));
        return pipeline;
    }

    private static async Task LimitAsync(HttpContext context, RequestDelegate next, RouteRateLimit route)
    {
        using var lease = route.Acquire(context);
        if (lease.IsAcquired)
        {
            await next(context);
            return;
        }

        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers[ProxyErrorResponses.ErrorHeader] = Reason;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("429 Too Many Requests: rate limit reached, retry later\n", CancellationToken.None);
    }
}
