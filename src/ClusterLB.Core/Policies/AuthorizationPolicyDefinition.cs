namespace ClusterLB.Core.Policies;

/// <summary>
/// A named authorization policy (<c>ClusterLB:Policies:Authorization:{name}</c>), served by ASP.NET
/// Core's authorization middleware to the routes whose <c>AuthorizationPolicy</c> names it. A request
/// must meet every requirement given.
/// </summary>
public sealed record AuthorizationPolicyDefinition
{
    /// <summary>Whether the caller must be authenticated; true unless set otherwise.</summary>
    public bool RequireAuthenticatedUser { get; init; } = true;

    /// <summary>The caller must have one of these roles.</summary>
    public IReadOnlyList<string>? Roles { get; init; }

    /// <summary>
    /// Claims the caller must have, by claim type: one of the allowed values, or any value when the
    /// list is empty.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Claims { get; init; }

    /// <summary>The authentication schemes that identify the caller; the node's default scheme when none.</summary>
    public IReadOnlyList<string>? AuthenticationSchemes { get; init; }
}
