namespace ClusterLB.Core.Policies;

/// <summary>
/// The policies operators define by name (<c>ClusterLB:Policies</c> in configuration, or
/// <c>PUT /admin/policies</c>) and routes reference with YARP's own route fields. They are part of
/// the routing table, so every node applies the same policy and a change is one new version.
/// One property per kind of policy, each a dictionary by policy name.
/// </summary>
public sealed record PolicyDefinitions
{
    /// <summary>No policies defined.</summary>
    public static PolicyDefinitions None { get; } = new();

    /// <summary>Request filters by policy name (<see cref="RequestFilteringPolicy"/>).</summary>
    public IReadOnlyDictionary<string, RequestFilteringPolicy>? RequestFiltering { get; init; }

    /// <summary>Shared response caches by policy name, named by a route's <c>OutputCachePolicy</c> (<see cref="ResponseCachePolicy"/>).</summary>
    public IReadOnlyDictionary<string, ResponseCachePolicy>? OutputCache { get; init; }

    /// <summary>Cluster-wide rate limits by name, referenced by a route's <c>RateLimiterPolicy</c>.</summary>
    public IReadOnlyDictionary<string, RateLimitPolicy> RateLimiting { get; init; } = new Dictionary<string, RateLimitPolicy>(StringComparer.Ordinal);

    /// <summary>CORS policies by name, for a route's <c>CorsPolicy</c>.</summary>
    public IReadOnlyDictionary<string, CorsPolicyDefinition>? Cors { get; init; }

    /// <summary>Authorization policies by name, for a route's <c>AuthorizationPolicy</c>.</summary>
    public IReadOnlyDictionary<string, AuthorizationPolicyDefinition>? Authorization { get; init; }
}
