using System.Net;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Policies;

/// <summary>Checks the request-filtering policies of a table and the routes that name them.</summary>
public static class RequestFilteringValidator
{
    /// <summary>Most addresses or networks in one list.</summary>
    public const int MaxAddresses = 10_000;

    /// <summary>Most custom rules in one policy.</summary>
    public const int MaxRules = 200;

    private const string At = "Policies:RequestFiltering";

    /// <summary>Adds every error of <paramref name="table"/>'s request filters, and of route references to them, to <paramref name="errors"/>.</summary>
    public static void Validate(List<ValidationError> errors, RoutingTable table)
    {
        var policies = table.Policies.RequestFiltering ?? new Dictionary<string, RequestFilteringPolicy>();
        foreach (var (name, policy) in policies)
        {
            ValidatePolicy(errors, $"{At}:{name}", name, policy);
        }

        foreach (var (id, route) in table.Routes)
        {
            if (route.Metadata?.TryGetValue(RequestFilteringPolicy.RouteMetadataKey, out var name) == true && !policies.ContainsKey(name))
            {
                var known = policies.Count == 0 ? "none is defined" : "defined: " + string.Join(", ", policies.Keys.Order(StringComparer.Ordinal));
                errors.Add(new($"Routes:{id}:Metadata:{RequestFilteringPolicy.RouteMetadataKey}",
                    $"names request filter '{name}', which is not defined in ClusterLB:Policies:RequestFiltering ({known})"));
            }
        }
    }

    /// <summary>Parses an address (<c>10.0.0.1</c>, <c>::1</c>) or a CIDR network (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>).</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var slash = text.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            return false;
        }

        var bits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, null, out prefix) || prefix > bits))
        {
            return false;
        }

        // A host bit set after the prefix is most likely a typo (10.0.0.1/8 meant as 10.0.0.0/8 or 10.0.0.1/32).
        var bytes = address.GetAddressBytes();
        for (var i = prefix; i < bits; i++)
        {
            if ((bytes[i / 8] & (0x80 >> (i % 8))) != 0)
            {
                return false;
            }
        }

        network = new IPNetwork(address, prefix);
        return true;
    }

    private static void ValidatePolicy(List<ValidationError> errors, string at, string name, RequestFilteringPolicy policy)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > RoutingTableLimits.MaxIdLength)
        {
            errors.Add(new(at, $"a policy name must have 1 to {RoutingTableLimits.MaxIdLength} characters"));
        }

        if (policy.Mode is { } mode
            && !string.Equals(mode, RequestFilteringPolicy.EnforceMode, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(mode, RequestFilteringPolicy.ObserveMode, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new($"{at}:Mode", $"'{mode}' is not one of {RequestFilteringPolicy.EnforceMode}, {RequestFilteringPolicy.ObserveMode}"));
        }

        ValidateAddresses(errors, $"{at}:AllowedAddresses", policy.AllowedAddresses);
        ValidateAddresses(errors, $"{at}:DeniedAddresses", policy.DeniedAddresses);

        if (policy.AllowedMethods is { } methods)
        {
            for (var i = 0; i < methods.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(methods[i]) || methods[i].Length > 32 || !methods[i].All(c => char.IsAsciiLetter(c) || c == '-'))
                {
                    errors.Add(new($"{at}:AllowedMethods:{i}", $"'{methods[i]}' is not an HTTP method, e.g. GET or POST"));
                }
            }
        }

        if (policy.MaxRequestBodySize is < 0)
        {
            errors.Add(new($"{at}:MaxRequestBodySize", $"must be a size in bytes (0 or more), got {policy.MaxRequestBodySize}"));
        }

        if (policy.RuleSets is { } ruleSets)
        {
            for (var i = 0; i < ruleSets.Count; i++)
            {
                if (ruleSets[i] is null || !RequestFilterRuleSets.All.ContainsKey(ruleSets[i]))
                {
                    errors.Add(new($"{at}:RuleSets:{i}", $"unknown rule set '{ruleSets[i]}'; known: {string.Join(", ", RequestFilterRuleSets.Names)}"));
                }
            }
        }

        if (policy.Rules is { } rules)
        {
            if (rules.Count > MaxRules)
            {
                errors.Add(new($"{at}:Rules", $"{rules.Count} rules; at most {MaxRules}"));
                return;
            }

            for (var i = 0; i < rules.Count; i++)
            {
                ValidateRule(errors, $"{at}:Rules:{i}", rules[i]);
            }
        }
    }

    private static void ValidateRule(List<ValidationError> errors, string at, RequestFilterRule rule)
    {
        if (!Enum.TryParse<RequestFilterTarget>(rule.Target, ignoreCase: true, out var target) || int.TryParse(rule.Target, out _))
        {
            errors.Add(new($"{at}:Target", $"'{rule.Target}' is not one of {string.Join(", ", Enum.GetNames<RequestFilterTarget>())}"));
        }
        else if (target == RequestFilterTarget.Header && string.IsNullOrWhiteSpace(rule.Header))
        {
            errors.Add(new($"{at}:Header", "is required when the Target is Header: the name of the header to match"));
        }

        if (rule.Name?.Length > RoutingTableLimits.MaxIdLength)
        {
            errors.Add(new($"{at}:Name", $"{rule.Name.Length} characters; at most {RoutingTableLimits.MaxIdLength}"));
        }

        if (string.IsNullOrEmpty(rule.Pattern))
        {
            errors.Add(new($"{at}:Pattern", "is required: a regular expression"));
        }
        else if (rule.Pattern.Length > RoutingTableLimits.MaxValueLength)
        {
            errors.Add(new($"{at}:Pattern", $"{rule.Pattern.Length} characters; at most {RoutingTableLimits.MaxValueLength}"));
        }
        else if (RequestFilterRuleSets.TryCompile(rule.Pattern, out var error) is null)
        {
            errors.Add(new($"{at}:Pattern", error!));
        }
    }

    private static void ValidateAddresses(List<ValidationError> errors, string at, IReadOnlyList<string>? addresses)
    {
        if (addresses is null)
        {
            return;
        }

        if (addresses.Count > MaxAddresses)
        {
            errors.Add(new(at, $"{addresses.Count} entries; at most {MaxAddresses}"));
            return;
        }

        for (var i = 0; i < addresses.Count; i++)
        {
            if (!TryParseNetwork(addresses[i], out _))
            {
                errors.Add(new($"{at}:{i}", $"'{addresses[i]}' is not an IP address or CIDR network, e.g. 10.0.0.0/8 or 2001:db8::/32 (bits after the prefix length must be zero)"));
            }
        }
    }
}
