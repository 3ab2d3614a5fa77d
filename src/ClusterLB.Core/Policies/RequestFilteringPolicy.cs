namespace ClusterLB.Core.Policies;

/// <summary>
/// A named request filter (<c>ClusterLB:Policies:RequestFiltering:{name}</c>): which clients, methods
/// and body sizes a route accepts, and which attack markers in the path, query and headers it refuses.
/// A route selects it with the route metadata <see cref="RouteMetadataKey"/>; a policy with
/// <see cref="AllRoutes"/> applies to every route.
/// </summary>
public sealed record RequestFilteringPolicy
{
    /// <summary>The route metadata key whose value names the route's request filter.</summary>
    public const string RouteMetadataKey = "ClusterLB.RequestFilter";

    /// <summary>Refuses what it catches.</summary>
    public const string EnforceMode = "Enforce";

    /// <summary>Only logs what it would refuse.</summary>
    public const string ObserveMode = "Observe";

    /// <summary><see cref="EnforceMode"/> (the default) or <see cref="ObserveMode"/>.</summary>
    public string? Mode { get; init; }

    /// <summary>Whether the policy applies to every route, in addition to the route's own one.</summary>
    public bool? AllRoutes { get; init; }

    /// <summary>Client addresses or CIDR networks allowed; none listed allows every client not denied.</summary>
    public IReadOnlyList<string>? AllowedAddresses { get; init; }

    /// <summary>Client addresses or CIDR networks refused, whatever the allow list says.</summary>
    public IReadOnlyList<string>? DeniedAddresses { get; init; }

    /// <summary>HTTP methods accepted; none listed accepts every method.</summary>
    public IReadOnlyList<string>? AllowedMethods { get; init; }

    /// <summary>Largest request body accepted, in bytes; null for no limit of the filter's own.</summary>
    public long? MaxRequestBodySize { get; init; }

    /// <summary>Built-in rule sets switched on by name (<see cref="RequestFilterRuleSets.Names"/>).</summary>
    public IReadOnlyList<string>? RuleSets { get; init; }

    /// <summary>Custom block rules: regular expressions run with .NET's non-backtracking engine.</summary>
    public IReadOnlyList<RequestFilterRule>? Rules { get; init; }

    /// <summary>Whether the policy only logs what it would refuse.</summary>
    public bool IsObserveOnly => string.Equals(Mode, ObserveMode, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A custom block rule: requests whose <see cref="Target"/> matches <see cref="Pattern"/> are refused.</summary>
public sealed record RequestFilterRule
{
    /// <summary>Name of the rule in logs; defaults to its position.</summary>
    public string? Name { get; init; }

    /// <summary>What the pattern is matched against: <c>Path</c>, <c>Query</c> or <c>Header</c>.</summary>
    public string? Target { get; init; }

    /// <summary>The header to match when <see cref="Target"/> is <c>Header</c>.</summary>
    public string? Header { get; init; }

    /// <summary>A .NET regular expression, matched case-insensitively against the URL-decoded value.</summary>
    public string? Pattern { get; init; }
}

/// <summary>Where a block rule looks.</summary>
public enum RequestFilterTarget
{
    /// <summary>The request path, URL-decoded.</summary>
    Path,

    /// <summary>The query string, URL-decoded.</summary>
    Query,

    /// <summary>One request header, named by the rule.</summary>
    Header,
}
