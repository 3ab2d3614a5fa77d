using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;

namespace ClusterLB.Node.Authentication;

/// <summary>
/// The proxy's authentication schemes. With JWT bearer configured, it is the default scheme: a route's
/// authorization policy sees the caller of a valid token, a challenge is a 401 with
/// <c>WWW-Authenticate: Bearer</c>. Without it nobody is authenticated, and a route that needs a
/// signed-in caller answers 401.
/// </summary>
public static class NodeAuthentication
{
    /// <summary>Registers the scheme for <paramref name="jwtBearer"/>, or, when null, authentication that finds nobody.</summary>
    public static IServiceCollection AddNodeAuthentication(this IServiceCollection services, JwtBearerAuthentication? jwtBearer)
    {
        if (jwtBearer is null)
        {
            // No scheme, so ASP.NET Core adds no authentication step that would run on every request and find nobody.
            // An application hosting the node that registered authentication of its own keeps it.
            services.TryAddSingleton<IAuthenticationService, NobodyAuthenticated>();
            return services;
        }

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                // No Authority nor MetadataAddress: the key is the configured one, nothing is fetched.
                options.MapInboundClaims = false; // claim types as the token has them, e.g. 'role', not a URI
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwtBearer.Issuer,
                    ValidAudience = jwtBearer.Audience,
                    IssuerSigningKey = jwtBearer.SigningKey,
                    ValidAlgorithms = jwtBearer.Algorithms,
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    ValidateIssuerSigningKey = true,
                    RoleClaimType = jwtBearer.RoleClaimType,
                    NameClaimType = "sub",
                };
            });
        return services;
    }

    /// <summary>
    /// Authentication without a configured scheme: nobody is authenticated, whatever scheme a policy names, so a route
    /// that needs a signed-in caller answers 401 (403 when forbidden) instead of failing on a missing scheme.
    /// </summary>
    private sealed class NobodyAuthenticated : IAuthenticationService
    {
        private static readonly Task<AuthenticateResult> Nobody = Task.FromResult(AuthenticateResult.NoResult());

        public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, string? scheme) => Nobody;

        public Task ChallengeAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) =>
            Answer(context, StatusCodes.Status401Unauthorized);

        public Task ForbidAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) =>
            Answer(context, StatusCodes.Status403Forbidden);

        public Task SignInAsync(HttpContext context, string? scheme, ClaimsPrincipal principal, AuthenticationProperties? properties) =>
            throw new NotSupportedException("The proxy signs nobody in.");

        public Task SignOutAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) =>
            throw new NotSupportedException("The proxy signs nobody out.");

        private static Task Answer(HttpContext context, int status)
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
    }
}
