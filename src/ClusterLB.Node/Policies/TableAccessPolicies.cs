using ClusterLB.Core.Policies;
using ClusterLB.Node.Routing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ClusterLB.Node.Policies;

/// <summary>
/// The routing table's CORS and authorization policies (<c>ClusterLB:Policies:Cors</c>,
/// <c>ClusterLB:Policies:Authorization</c>), served by ASP.NET Core's own middleware through policy
/// providers that answer from the table first, then from the policies registered in code.
/// </summary>
public static class TableAccessPolicies
{
    /// <summary>Replaces ASP.NET Core's CORS and authorization policy providers with the table's.</summary>
    public static IServiceCollection AddTableAccessPolicies(this IServiceCollection services)
    {
        var authorization = new TablePolicyView<AuthorizationPolicy>(AuthorizationPolicies);
        var cors = new TablePolicyView<CorsPolicy>(CorsPolicies);
        services.AddSingleton(authorization);
        services.AddSingleton(cors);
        services.AddSingleton<IAppliedTableObserver>(authorization);
        services.AddSingleton<IAppliedTableObserver>(cors);
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationPolicyProvider, TableAuthorizationPolicyProvider>());
        services.Replace(ServiceDescriptor.Singleton<ICorsPolicyProvider, TableCorsPolicyProvider>());
        return services;
    }

    private static IReadOnlyDictionary<string, AuthorizationPolicy> AuthorizationPolicies(PolicyDefinitions policies) =>
        (policies.Authorization ?? new Dictionary<string, AuthorizationPolicyDefinition>()).ToDictionary(
            p => p.Key,
            p =>
            {
                var definition = p.Value;
                var builder = new AuthorizationPolicyBuilder(definition.AuthenticationSchemes?.ToArray() ?? []);
                if (definition.RequireAuthenticatedUser)
                {
                    builder.RequireAuthenticatedUser();
                }

                if (definition.Roles is { Count: > 0 } roles)
                {
                    builder.RequireRole(roles);
                }

                foreach (var (type, values) in definition.Claims ?? new Dictionary<string, IReadOnlyList<string>>())
                {
                    if (values is { Count: > 0 })
                    {
                        builder.RequireClaim(type, values);
                    }
                    else
                    {
                        builder.RequireClaim(type);
                    }
                }

                return builder.Build();
            },
            StringComparer.OrdinalIgnoreCase);

    private static IReadOnlyDictionary<string, CorsPolicy> CorsPolicies(PolicyDefinitions policies) =>
        (policies.Cors ?? new Dictionary<string, CorsPolicyDefinition>()).ToDictionary(
            p => p.Key,
            p =>
            {
                var definition = p.Value;
                var builder = new CorsPolicyBuilder();
                var origins = definition.Origins ?? [];
                _ = origins.Contains("*") ? builder.AllowAnyOrigin() : builder.WithOrigins([.. origins]);
                _ = definition.Methods is { Count: > 0 } methods ? builder.WithMethods([.. methods]) : builder.AllowAnyMethod();
                _ = definition.Headers is { Count: > 0 } headers ? builder.WithHeaders([.. headers]) : builder.AllowAnyHeader();
                if (definition.ExposedHeaders is { Count: > 0 } exposed)
                {
                    builder.WithExposedHeaders([.. exposed]);
                }

                if (definition.AllowCredentials)
                {
                    builder.AllowCredentials();
                }

                if (definition.MaxAge is { } maxAge)
                {
                    builder.SetPreflightMaxAge(maxAge);
                }

                return builder.Build();
            },
            StringComparer.OrdinalIgnoreCase);

    /// <summary>The table's authorization policies, then those registered in code (and the built-in default).</summary>
    private sealed class TableAuthorizationPolicyProvider(IOptions<AuthorizationOptions> options, TablePolicyView<AuthorizationPolicy> table)
        : DefaultAuthorizationPolicyProvider(options)
    {
        // The table's policies change without the routes changing, so ASP.NET may not keep a route's policy.
        public override bool AllowsCachingPolicies => false;

        public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
            table.Find(policyName) ?? await base.GetPolicyAsync(policyName);
    }

    /// <summary>The table's CORS policies, then those registered in code.</summary>
    private sealed class TableCorsPolicyProvider(IOptions<CorsOptions> options, TablePolicyView<CorsPolicy> table) : ICorsPolicyProvider
    {
        private readonly DefaultCorsPolicyProvider _registered = new(options);

        public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName) =>
            policyName is not null && table.Find(policyName) is { } policy ? Task.FromResult<CorsPolicy?>(policy) : _registered.GetPolicyAsync(context, policyName);
    }
}
