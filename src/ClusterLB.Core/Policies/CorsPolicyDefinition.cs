namespace ClusterLB.Core.Policies;

/// <summary>
/// A named CORS policy (<c>ClusterLB:Policies:Cors:{name}</c>), served by ASP.NET Core's CORS
/// middleware to the routes whose <c>CorsPolicy</c> names it.
/// </summary>
public sealed record CorsPolicyDefinition
{
    /// <summary>Origins allowed to call, as absolute http(s) origins (<c>https://app.example</c>), or <c>*</c> for any.</summary>
    public IReadOnlyList<string>? Origins { get; init; }

    /// <summary>Methods a preflight may ask for; none means any method.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>Request headers a preflight may ask for; none means any header.</summary>
    public IReadOnlyList<string>? Headers { get; init; }

    /// <summary>Response headers a browser lets the calling page read.</summary>
    public IReadOnlyList<string>? ExposedHeaders { get; init; }

    /// <summary>Whether the browser may send cookies and credentials; not with the <c>*</c> origin.</summary>
    public bool AllowCredentials { get; init; }

    /// <summary>How long a browser may cache the answer to a preflight.</summary>
    public TimeSpan? MaxAge { get; init; }
}
