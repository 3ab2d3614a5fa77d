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

    /// <summary>Adds the middleware in the order YARP's documentation gives, before the proxy endpoints.</summary>
    public static WebApplication UseRoutePolicies(this WebApplication app)
    {
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        app.UseOutputCache();
        return app;
    }
}
