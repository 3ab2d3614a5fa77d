using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
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
    /// <summary>Registers the schemes for <paramref name="jwtBearer"/>, or the scheme that authenticates nobody when null.</summary>
    public static IServiceCollection AddNodeAuthentication(this IServiceCollection services, JwtBearerAuthentication? jwtBearer)
    {
        if (jwtBearer is null)
        {
            // A route with the Default policy is answered 401 (403 for a forbidden one) instead of failing on a missing scheme.
            services.AddAuthentication(options =>
                {
                    options.DefaultChallengeScheme = NoAuthenticationHandler.Name;
                    options.DefaultForbidScheme = NoAuthenticationHandler.Name;
                })
                .AddScheme<AuthenticationSchemeOptions, NoAuthenticationHandler>(NoAuthenticationHandler.Name, null);
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

    /// <summary>A scheme that authenticates nobody: it only answers challenges (401) and forbids (403).</summary>
    private sealed class NoAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "ClusterLB.None";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
