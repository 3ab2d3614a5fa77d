namespace ClusterLB.Core.Routing;

/// <summary>
/// A route in YARP's configuration schema: which requests it matches and which cluster serves them.
/// </summary>
public sealed record RouteDefinition
{
    /// <summary>The route's id (the key of the route in the <c>ReverseProxy:Routes</c> section).</summary>
    public string RouteId { get; init; } = "";

    /// <summary>The id of the cluster that serves the route.</summary>
    public string? ClusterId { get; init; }

    /// <summary>Lower orders are matched first.</summary>
    public int? Order { get; init; }

    /// <summary>What a request must look like to match.</summary>
    public RouteMatchDefinition Match { get; init; } = new();

    /// <summary>How long a request may take end to end before the proxy answers 504.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// ASP.NET Core authorization policy: <c>Default</c>, <c>Anonymous</c> or the name of a defined policy.
    /// </summary>
    public string? AuthorizationPolicy { get; init; }

    /// <summary>ASP.NET Core CORS policy: <c>Default</c>, <c>Disable</c> or the name of a defined policy.</summary>
    public string? CorsPolicy { get; init; }

    /// <summary>ASP.NET Core rate-limiter policy: <c>Default</c>, <c>Disable</c> or the name of a defined policy.</summary>
    public string? RateLimiterPolicy { get; init; }

    /// <summary>ASP.NET Core output-cache policy: the name of a defined policy.</summary>
    public string? OutputCachePolicy { get; init; }

    /// <summary>ASP.NET Core request-timeout policy: <c>Disable</c> or the name of a defined policy; not with <see cref="Timeout"/>.</summary>
    public string? TimeoutPolicy { get; init; }

    /// <summary>
    /// The largest request body the route accepts, in bytes, in place of the server's limit (a larger
    /// body is answered 413); -1 for no limit; unset for the server's limit (<c>Kestrel:Limits:MaxRequestBodySize</c>).
    /// </summary>
    public long? MaxRequestBodySize { get; init; }

    /// <summary>YARP request and response transforms, each a dictionary as in YARP's schema.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>>? Transforms { get; init; }

    /// <summary>Free-form key/value data for policies and extensions.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>The match part of a route.</summary>
public sealed record RouteMatchDefinition
{
    /// <summary>An ASP.NET Core route pattern such as <c>/api/{**rest}</c>.</summary>
    public string? Path { get; init; }

    /// <summary>Host names the request's Host header must match.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }

    /// <summary>HTTP methods the request must use.</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    /// <summary>Headers the request must carry.</summary>
    public IReadOnlyList<RouteHeaderDefinition>? Headers { get; init; }

    /// <summary>Query parameters the request must carry.</summary>
    public IReadOnlyList<RouteQueryParameterDefinition>? QueryParameters { get; init; }
}

/// <summary>A header match, as in YARP's <c>RouteHeader</c>.</summary>
public sealed record RouteHeaderDefinition
{
    /// <summary>Header name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Values to compare against.</summary>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>YARP's <c>HeaderMatchMode</c> name, e.g. <c>ExactHeader</c>, <c>Exists</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>Whether values compare case-sensitively.</summary>
    public bool IsCaseSensitive { get; init; }
}

/// <summary>A query parameter match, as in YARP's <c>RouteQueryParameter</c>.</summary>
public sealed record RouteQueryParameterDefinition
{
    /// <summary>Parameter name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Values to compare against.</summary>
    public IReadOnlyList<string>? Values { get; init; }

    /// <summary>YARP's <c>QueryParameterMatchMode</c> name, e.g. <c>Exact</c>, <c>Exists</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>Whether values compare case-sensitively.</summary>
    public bool IsCaseSensitive { get; init; }
}
