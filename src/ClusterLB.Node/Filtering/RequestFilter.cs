using System.Net;
using System.Text.RegularExpressions;
using ClusterLB.Core.Policies;
using Microsoft.AspNetCore.Http.Features;

namespace ClusterLB.Node.Filtering;

/// <summary>
/// One request-filtering policy, compiled once per routing table: parsed networks, a method set and
/// the block rules of each target joined into one non-backtracking expression, so that a request that
/// passes costs one linear scan per value.
/// </summary>
internal sealed class RequestFilter
{
    private readonly IPNetwork[] _allowed;
    private readonly IPNetwork[] _denied;
    private readonly HashSet<string>? _methods;
    private readonly long? _maxBodySize;
    private readonly RuleGroup? _path;
    private readonly RuleGroup? _query;
    private readonly (string Header, RuleGroup Rules)[] _headers;

    private RequestFilter(string name, RequestFilteringPolicy policy)
    {
        Name = name;
        ObserveOnly = policy.IsObserveOnly;
        _allowed = Networks(policy.AllowedAddresses);
        _denied = Networks(policy.DeniedAddresses);
        _methods = policy.AllowedMethods is { Count: > 0 } methods ? new HashSet<string>(methods, StringComparer.OrdinalIgnoreCase) : null;
        AllowedMethods = policy.AllowedMethods is { Count: > 0 } ? string.Join(", ", policy.AllowedMethods.Select(m => m.ToUpperInvariant())) : "";
        _maxBodySize = policy.MaxRequestBodySize;

        var path = new List<(string, string)>();
        var query = new List<(string, string)>();
        var headers = new Dictionary<string, List<(string, string)>>(StringComparer.OrdinalIgnoreCase);
        foreach (var set in policy.RuleSets ?? [])
        {
            foreach (var rule in RequestFilterRuleSets.All[set])
            {
                var ruleName = $"{set}/{rule.Name}";
                if (rule.InPath)
                {
                    path.Add((ruleName, rule.Pattern));
                }

                if (rule.InQuery)
                {
                    query.Add((ruleName, rule.Pattern));
                }

                if (rule.InHeaders)
                {
                    foreach (var header in RequestFilterRuleSets.InspectedHeaders)
                    {
                        HeaderRules(headers, header).Add((ruleName, rule.Pattern));
                    }
                }
            }
        }

        var rules = policy.Rules ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var entry = (rule.Name ?? $"Rules:{i}", rule.Pattern!);
            switch (Enum.Parse<RequestFilterTarget>(rule.Target!, ignoreCase: true))
            {
                case RequestFilterTarget.Path: path.Add(entry); break;
                case RequestFilterTarget.Query: query.Add(entry); break;
                default: HeaderRules(headers, rule.Header!).Add(entry); break;
            }
        }

        _path = RuleGroup.Of(path);
        _query = RuleGroup.Of(query);
        _headers = headers.Select(h => (h.Key, RuleGroup.Of(h.Value)!)).ToArray();
    }

    /// <summary>The policy's name.</summary>
    public string Name { get; }

    /// <summary>Whether it only logs what it would refuse.</summary>
    public bool ObserveOnly { get; }

    /// <summary>The methods for an <c>Allow</c> header.</summary>
    public string AllowedMethods { get; }

    /// <summary>Whether the filter already ran as one of <paramref name="snapshot"/>'s filters for all routes.</summary>
    public bool AllRoutesAlready(RequestFilterCatalog.Snapshot snapshot) => Array.IndexOf(snapshot.AllRoutes, this) >= 0;

    /// <summary>Compiles <paramref name="policy"/>, which the routing-table validator accepted.</summary>
    public static RequestFilter Compile(string name, RequestFilteringPolicy policy) => new(name, policy);

    /// <summary>Why <paramref name="context"/> is refused, or null when it passes.</summary>
    public FilterVerdict? Check(HttpContext context, IPAddress? client)
    {
        if (_denied.Length > 0 || _allowed.Length > 0)
        {
            var address = client is { IsIPv4MappedToIPv6: true } ? client.MapToIPv4() : client;
            if (address is not null && Contains(_denied, address))
            {
                return new(StatusCodes.Status403Forbidden, "client address denied", "DeniedAddresses");
            }

            if (_allowed.Length > 0 && (address is null || !Contains(_allowed, address)))
            {
                return new(StatusCodes.Status403Forbidden, "client address not allowed", "AllowedAddresses");
            }
        }

        var request = context.Request;
        if (_methods is not null && !_methods.Contains(request.Method))
        {
            return new(StatusCodes.Status405MethodNotAllowed, "method not allowed", "AllowedMethods");
        }

        if (_maxBodySize is { } max)
        {
            if (request.ContentLength > max)
            {
                return new(StatusCodes.Status413PayloadTooLarge, $"body of {request.ContentLength} bytes over {max}", "MaxRequestBodySize");
            }

            if (!ObserveOnly && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit && !(limit.MaxRequestBodySize <= max))
            {
                limit.MaxRequestBodySize = max; // a body without a length is cut off by the server as it arrives
            }
        }

        if (_path is not null && MatchPath(context) is { } pathRule)
        {
            return new(StatusCodes.Status403Forbidden, "blocked path", pathRule);
        }

        if (_query is not null && request.QueryString.HasValue)
        {
            foreach (var (key, values) in request.Query)
            {
                if (Match(_query, key) is { } keyRule)
                {
                    return new(StatusCodes.Status403Forbidden, "blocked query", keyRule);
                }

                foreach (var value in values)
                {
                    if (Match(_query, value) is { } valueRule)
                    {
                        return new(StatusCodes.Status403Forbidden, "blocked query", valueRule);
                    }
                }
            }
        }

        foreach (var (header, rules) in _headers)
        {
            if (!request.Headers.TryGetValue(header, out var values))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (Match(rules, value) is { } headerRule)
                {
                    return new(StatusCodes.Status403Forbidden, $"blocked header {header}", headerRule);
                }
            }
        }

        return null;
    }

    private string? MatchPath(HttpContext context)
    {
        // The server has decoded the path and removed dot segments: the raw target still shows what the client sent.
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is not null)
        {
            var end = raw.IndexOf('?');
            if (Match(_path!, end < 0 ? raw : raw[..end]) is { } rawRule)
            {
                return rawRule;
            }
        }

        return Match(_path!, context.Request.Path.Value);
    }

    /// <summary>Matches the value as sent and URL-decoded twice (double encoding is a common disguise).</summary>
    private static string? Match(RuleGroup rules, string? value)
    {
        for (var round = 0; round < 3 && !string.IsNullOrEmpty(value); round++)
        {
            if (rules.Match(value) is { } rule)
            {
                return rule;
            }

            if (!value.Contains('%'))
            {
                break;
            }

            var decoded = Uri.UnescapeDataString(value);
            if (decoded == value)
            {
                break;
            }

            value = decoded;
        }

        return null;
    }

    private static bool Contains(IPNetwork[] networks, IPAddress address)
    {
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPNetwork[] Networks(IReadOnlyList<string>? entries) =>
        (entries ?? []).Select(e => RequestFilteringValidator.TryParseNetwork(e, out var network) ? network : throw new ArgumentException($"'{e}' is not a network")).ToArray();

    private static List<(string, string)> HeaderRules(Dictionary<string, List<(string, string)>> headers, string header)
    {
        if (!headers.TryGetValue(header, out var list))
        {
            headers[header] = list = [];
        }

        return list;
    }

    /// <summary>The rules of one target: one joined expression to test, then each rule to name the one that matched.</summary>
    private sealed class RuleGroup(Regex any, (string Name, Regex Pattern)[] rules)
    {
        public static RuleGroup? Of(List<(string Name, string Pattern)> rules)
        {
            if (rules.Count == 0)
            {
                return null;
            }

            var compiled = rules.Select(r => (r.Name, new Regex(r.Pattern, RequestFilterRuleSets.PatternOptions))).ToArray();
            var any = compiled.Length == 1
                ? compiled[0].Item2
                : new Regex(string.Join('|', rules.Select(r => $"(?:{r.Pattern})")), RequestFilterRuleSets.PatternOptions);
            return new RuleGroup(any, compiled);
        }

        public string? Match(string value)
        {
            if (!any.IsMatch(value))
            {
                return null;
            }

            foreach (var (name, pattern) in rules)
            {
                if (pattern.IsMatch(value))
                {
                    return name;
                }
            }

            return "rules"; // the joined expression matched where no single one did: refuse all the same
        }
    }
}

/// <summary>Why a request filter refuses a request.</summary>
/// <param name="Status">The status to answer with: 403, 405 or 413.</param>
/// <param name="Reason">What is wrong, for the log.</param>
/// <param name="Rule">The setting or rule that caught it, e.g. <c>SqlInjection/union-select</c>.</param>
internal sealed record FilterVerdict(int Status, string Reason, string Rule);
