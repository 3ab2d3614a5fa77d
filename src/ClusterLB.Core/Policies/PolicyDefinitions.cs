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

    /// <summary>CORS policies by name, for a route's <c>CorsPolicy</c>.</summary>
    public IReadOnlyDictionary<string, CorsPolicyDefinition>? Cors { get; init; }

    /// <summary>Authorization policies by name, for a route's <c>AuthorizationPolicy</c>.</summary>
    public IReadOnlyDictionary<string, AuthorizationPolicyDefinition>? Authorization { get; init; }
}
