using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;

namespace ClusterLB.Node.Policies;

/// <summary>
/// ASP.NET Core's per-route policies, as a YARP app has them: a route's <c>AuthorizationPolicy</c>,
/// <c>CorsPolicy</c>, <c>RateLimiterPolicy</c>, <c>OutputCachePolicy</c> and <c>TimeoutPolicy</c>
/// name policies of ASP.NET's own middleware. The built-in names (<c>Default</c>, <c>Anonymous</c>,
/// <c>Disable</c>) work out of the box; a named policy is defined in the routing table's policies or
/// registered with the services, and a route naming one that is neither is refused before it is persisted.
/// </summary>
public static class RoutePolicies
{
    /// <summary>Registers the policy services the middleware of <see cref="UseRoutePolicies"/> needs.</summary>
    public static IServiceCollection AddRoutePolicies(this IServiceCollection services)
    {
        // Authentication schemes are the node's (NodeAuthentication); named CORS and authorization
        // policies come from the routing table first, then from code.
        services.AddAuthorization();
        services.AddCors();
        services.AddRateLimiter(_ => { });
        services.AddOutputCache();
        services.AddRequestTimeouts();
        services.AddTableAccessPolicies();
        return services;
    }

    /// <summary>
    /// Adds the middleware in the order YARP's documentation gives, before the proxy endpoints. A step with nothing to
    /// do for a request is left out of its way: authentication when no scheme is configured (nobody would be found),
    /// CORS and request timeouts for a route whose endpoint carries none of their metadata and when code registered
    /// no default policy. Both would otherwise allocate on every request (CORS opens a service scope for its policy provider).
    /// </summary>
    public static WebApplication UseRoutePolicies(this WebApplication app)
    {
        var cors = app.Services.GetRequiredService<IOptions<CorsOptions>>().Value;
        if (cors.GetPolicy(cors.DefaultPolicyName) is null)
        {
            app.UseWhen(context => context.GetEndpoint()?.Metadata.GetMetadata<ICorsMetadata>() is not null, route => route.UseCors());
        }
        else
        {
            app.UseCors();
        }

        if (app.Services.GetService<IAuthenticationSchemeProvider>() is not null)
        {
            app.UseAuthentication();
        }

        app.UseAuthorization();
        app.UseRateLimiter();
        if (app.Services.GetRequiredService<IOptions<RequestTimeoutOptions>>().Value.DefaultPolicy is null)
        {
            app.UseWhen(HasTimeoutMetadata, route => route.UseRequestTimeouts());
        }
        else
        {
            app.UseRequestTimeouts();
        }

        app.UseOutputCache();
        return app;
    }

    private static bool HasTimeoutMetadata(HttpContext context) =>
        context.GetEndpoint()?.Metadata is { } metadata
        && (metadata.GetMetadata<RequestTimeoutAttribute>() is not null
            || metadata.GetMetadata<RequestTimeoutPolicy>() is not null
            || metadata.GetMetadata<DisableRequestTimeoutAttribute>() is not null);
}
