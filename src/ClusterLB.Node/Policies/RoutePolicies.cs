using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ClusterLB.Node.Policies;

/// <summary>
/// ASP.NET Core's per-route policies, as a YARP app has them: a route's <c>AuthorizationPolicy</c>,
/// <c>CorsPolicy</c>, <c>RateLimiterPolicy</c>, <c>OutputCachePolicy</c> and <c>TimeoutPolicy</c>
/// name policies of ASP.NET's own middleware. The built-in names (<c>Default</c>, <c>Anonymous</c>,
/// <c>Disable</c>) work out of the box; a named policy must be registered with the services, and a
/// route naming one that is not is refused before it is persisted.
/// </summary>
public static class RoutePolicies
{
    /// <summary>Registers the policy services the middleware of <see cref="UseRoutePolicies"/> needs.</summary>
    public static IServiceCollection AddRoutePolicies(this IServiceCollection services)
    {
        // No authentication scheme is configured yet, so nobody is authenticated: a route with the
        // Default policy is answered 401 (403 for a forbidden one) instead of failing on a missing scheme.
        services.AddAuthentication(options =>
            {
                options.DefaultChallengeScheme = NoAuthenticationHandler.Name;
                options.DefaultForbidScheme = NoAuthenticationHandler.Name;
            })
            .AddScheme<AuthenticationSchemeOptions, NoAuthenticationHandler>(NoAuthenticationHandler.Name, null);
        services.AddAuthorization();
        services.AddCors();
        services.AddRateLimiter(_ => { });
        services.AddOutputCache();
        services.AddRequestTimeouts();
        return services;
    }

    /// <summary>Adds the middleware in the order YARP's documentation gives, before the proxy endpoints.</summary>
    public static WebApplication UseRoutePolicies(this WebApplication app)
    {
        app.UseCors();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        app.UseOutputCache();
        return app;
    }

    /// <summary>A scheme that authenticates nobody: it only answers challenges (401) and forbids (403).</summary>
    private sealed class NoAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "ClusterLB.None";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
