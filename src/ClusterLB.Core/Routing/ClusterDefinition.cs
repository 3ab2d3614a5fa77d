namespace ClusterLB.Core.Routing;

/// <summary>
/// A cluster in YARP's configuration schema: a set of destinations and how to balance over them.
/// </summary>
public sealed record ClusterDefinition
{
    /// <summary>The cluster's id (the key of the cluster in the <c>ReverseProxy:Clusters</c> section).</summary>
    public string ClusterId { get; init; } = "";

    /// <summary>Name of the load-balancing policy, e.g. <c>PowerOfTwoChoices</c>, <c>RoundRobin</c>.</summary>
    public string? LoadBalancingPolicy { get; init; }

    /// <summary>Session affinity settings.</summary>
    public SessionAffinityDefinition? SessionAffinity { get; init; }

    /// <summary>Active and passive health-check settings.</summary>
    public HealthCheckDefinition? HealthCheck { get; init; }

    /// <summary>Settings of the HTTP client that sends requests to destinations.</summary>
    public HttpClientDefinition? HttpClient { get; init; }

    /// <summary>Settings of the requests sent to destinations.</summary>
    public ForwarderRequestDefinition? HttpRequest { get; init; }

    /// <summary>The destinations, keyed by destination id.</summary>
    public IReadOnlyDictionary<string, DestinationDefinition> Destinations { get; init; } =
        new Dictionary<string, DestinationDefinition>();

    /// <summary>Free-form key/value data for policies and extensions.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>A backend address requests are forwarded to.</summary>
public sealed record DestinationDefinition
{
    /// <summary>Absolute http(s) URL of the destination, e.g. <c>http://10.0.0.5:8080/</c>.</summary>
    public string Address { get; init; } = "";

    /// <summary>Optional address used for active health probes instead of <see cref="Address"/>.</summary>
    public string? Health { get; init; }

    /// <summary>Optional Host header to send to this destination.</summary>
    public string? Host { get; init; }

    /// <summary>Free-form key/value data for policies and extensions.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>Session affinity, as in YARP's <c>SessionAffinityConfig</c>.</summary>
public sealed record SessionAffinityDefinition
{
    /// <summary>Whether affinity is on.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Affinity policy name, e.g. <c>HashCookie</c>, <c>CustomHeader</c>.</summary>
    public string? Policy { get; init; }

    /// <summary>What to do when the pinned destination is unavailable, e.g. <c>Redistribute</c>.</summary>
    public string? FailurePolicy { get; init; }

    /// <summary>Cookie or header name that carries the affinity key.</summary>
    public string AffinityKeyName { get; init; } = "";

    /// <summary>Cookie settings for cookie-based policies.</summary>
    public AffinityCookieDefinition? Cookie { get; init; }
}

/// <summary>Cookie settings of cookie-based affinity.</summary>
public sealed record AffinityCookieDefinition
{
    /// <summary>Cookie path.</summary>
    public string? Path { get; init; }

    /// <summary>Cookie domain.</summary>
    public string? Domain { get; init; }

    /// <summary>Whether the cookie is HttpOnly.</summary>
    public bool? HttpOnly { get; init; }

    /// <summary>ASP.NET Core <c>CookieSecurePolicy</c> name.</summary>
    public string? SecurePolicy { get; init; }

    /// <summary>ASP.NET Core <c>SameSiteMode</c> name.</summary>
    public string? SameSite { get; init; }

    /// <summary>Cookie lifetime; a session cookie when absent.</summary>
    public TimeSpan? Expiration { get; init; }

    /// <summary>Cookie max age.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Whether the cookie is essential for consent purposes.</summary>
    public bool? IsEssential { get; init; }
}

/// <summary>Health checks, as in YARP's <c>HealthCheckConfig</c>.</summary>
public sealed record HealthCheckDefinition
{
    /// <summary>Active probing settings.</summary>
    public ActiveHealthCheckDefinition? Active { get; init; }

    /// <summary>Passive (traffic-based) settings.</summary>
    public PassiveHealthCheckDefinition? Passive { get; init; }

    /// <summary>Which destinations count as available, e.g. <c>HealthyAndUnknown</c>, <c>HealthyOrPanic</c>.</summary>
    public string? AvailableDestinationsPolicy { get; init; }
}

/// <summary>Active health probing.</summary>
public sealed record ActiveHealthCheckDefinition
{
    /// <summary>Whether probing is on.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Time between probes.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Probe timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Policy that turns probe results into health, e.g. <c>ConsecutiveFailures</c>.</summary>
    public string? Policy { get; init; }

    /// <summary>Path probed on each destination.</summary>
    public string? Path { get; init; }

    /// <summary>Query string appended to the probe path.</summary>
    public string? Query { get; init; }
}

/// <summary>Passive health checking.</summary>
public sealed record PassiveHealthCheckDefinition
{
    /// <summary>Whether passive checks are on.</summary>
    public bool? Enabled { get; init; }

    /// <summary>Policy name, e.g. <c>TransportFailureRate</c>.</summary>
    public string? Policy { get; init; }

    /// <summary>How long a destination stays unhealthy before it is tried again.</summary>
    public TimeSpan? ReactivationPeriod { get; init; }
}

/// <summary>Settings of forwarded requests, as in YARP's <c>ForwarderRequestConfig</c>.</summary>
public sealed record ForwarderRequestDefinition
{
    /// <summary>How long a request may go without any activity before the proxy answers 504.</summary>
    public TimeSpan? ActivityTimeout { get; init; }

    /// <summary>HTTP version of outgoing requests, e.g. <c>1.1</c> or <c>2</c>.</summary>
    public string? Version { get; init; }

    /// <summary>.NET <c>HttpVersionPolicy</c> name.</summary>
    public string? VersionPolicy { get; init; }

    /// <summary>Whether response buffering is allowed.</summary>
    public bool? AllowResponseBuffering { get; init; }
}

/// <summary>The HTTP client of a cluster, as in YARP's <c>HttpClientConfig</c>.</summary>
public sealed record HttpClientDefinition
{
    /// <summary>TLS versions allowed towards destinations, e.g. <c>["Tls12", "Tls13"]</c>; the system's choice when unset.</summary>
    public IReadOnlyList<string>? SslProtocols { get; init; }

    /// <summary>Accept any destination certificate, valid or not. For development only.</summary>
    public bool? DangerousAcceptAnyServerCertificate { get; init; }

    /// <summary>Most connections open to one destination at a time.</summary>
    public int? MaxConnectionsPerServer { get; init; }

    /// <summary>Whether more than one HTTP/2 connection may be opened to a destination.</summary>
    public bool? EnableMultipleHttp2Connections { get; init; }

    /// <summary>Encoding of request header values (a .NET encoding name such as <c>utf-8</c>); ASCII when unset.</summary>
    public string? RequestHeaderEncoding { get; init; }

    /// <summary>Encoding of response header values; ASCII when unset.</summary>
    public string? ResponseHeaderEncoding { get; init; }

    /// <summary>An outbound proxy between the balancer and the destinations.</summary>
    public WebProxyDefinition? WebProxy { get; init; }
}

/// <summary>An outbound HTTP proxy, as in YARP's <c>WebProxyConfig</c>.</summary>
public sealed record WebProxyDefinition
{
    /// <summary>The proxy's absolute http(s) URL.</summary>
    public Uri? Address { get; init; }

    /// <summary>Whether local addresses bypass the proxy.</summary>
    public bool? BypassOnLocal { get; init; }

    /// <summary>Whether the process's default credentials are sent to the proxy.</summary>
    public bool? UseDefaultCredentials { get; init; }
}
