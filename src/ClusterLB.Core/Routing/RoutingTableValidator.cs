using ClusterLB.Core.Health;
using ClusterLB.Core.LoadBalancing;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Retries;

namespace ClusterLB.Core.Routing;

/// <summary>A reason a routing table is refused, naming the field at fault.</summary>
/// <param name="Field">Path of the field, e.g. <c>Routes:api:ClusterId</c>.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record ValidationError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>
/// Checks a routing table before it is persisted or applied. Pure: the same table always gives the
/// same errors, and a table with errors is never half-applied.
/// </summary>
public static class RoutingTableValidator
{
    private static readonly HashSet<string> HttpVersions = new(StringComparer.Ordinal) { "1.0", "1.1", "2", "2.0", "3", "3.0" };
    private static readonly HashSet<string> VersionPolicies =
        new(StringComparer.OrdinalIgnoreCase) { "RequestVersionOrLower", "RequestVersionOrHigher", "RequestVersionExact" };

    /// <summary>Every error in <paramref name="table"/>; empty when the table can be used.</summary>
    public static IReadOnlyList<ValidationError> Validate(RoutingTable table, KnownPolicies? policies = null)
    {
        policies ??= KnownPolicies.Default;
        var errors = new List<ValidationError>();
        AddDuplicateIds(errors, "Routes", table.Routes.Keys);
        AddDuplicateIds(errors, "Clusters", table.Clusters.Keys);
        if (table.Routes.Count > RoutingTableLimits.MaxRoutes)
        {
            errors.Add(new("Routes", $"{table.Routes.Count} routes; at most {RoutingTableLimits.MaxRoutes}"));
        }

        if (table.Clusters.Count > RoutingTableLimits.MaxClusters)
        {
            errors.Add(new("Clusters", $"{table.Clusters.Count} clusters; at most {RoutingTableLimits.MaxClusters}"));
        }

        foreach (var (id, route) in table.Routes)
        {
            ValidateRoute(errors, $"Routes:{id}", route, table);
        }

        foreach (var (id, cluster) in table.Clusters)
        {
            ValidateCluster(errors, $"Clusters:{id}", cluster, policies);
        }

        Policies.RequestFilteringValidator.Validate(errors, table);
        Policies.ResponseCachePolicyValidator.Validate(errors, table);
        RateLimitPolicyValidator.Validate(table, errors);
        AccessPolicyValidator.Validate(table.Policies, errors);
        return errors;
    }

    private static void ValidateRoute(List<ValidationError> errors, string at, RouteDefinition route, RoutingTable table)
    {
        if (string.IsNullOrWhiteSpace(route.RouteId))
        {
            errors.Add(new(at, "route id is empty"));
        }
        else
        {
            RequireId(errors, at, "route id", route.RouteId);
        }

        if (string.IsNullOrWhiteSpace(route.ClusterId))
        {
            errors.Add(new($"{at}:ClusterId", "is required"));
        }
        else if (!table.Clusters.ContainsKey(route.ClusterId))
        {
            errors.Add(new($"{at}:ClusterId", $"names cluster '{route.ClusterId}', which does not exist"));
        }

        // The pattern itself is ASP.NET Core's to judge (YARP parses it the same way): '{**catch-all}'
        // without a leading slash is as valid here as in a YARP app.
        if (string.IsNullOrWhiteSpace(route.Match.Path) && (route.Match.Hosts is null || route.Match.Hosts.Count == 0))
        {
            errors.Add(new($"{at}:Match", "needs a Path or at least one Host; set the Path to '/{**catch-all}' to match all requests"));
        }

        if (route.Timeout is not null && route.TimeoutPolicy is not null)
        {
            errors.Add(new($"{at}:TimeoutPolicy", $"'{route.TimeoutPolicy}' and a Timeout are both set; set only one"));
        }

        foreach (var (field, name) in new[]
        {
            ("AuthorizationPolicy", route.AuthorizationPolicy), ("CorsPolicy", route.CorsPolicy), ("RateLimiterPolicy", route.RateLimiterPolicy),
            ("OutputCachePolicy", route.OutputCachePolicy), ("TimeoutPolicy", route.TimeoutPolicy),
        })
        {
            RequireLength(errors, $"{at}:{field}", name, RoutingTableLimits.MaxIdLength);
        }

        RequireDuration(errors, $"{at}:Timeout", route.Timeout, RoutingTableLimits.MaxRequestTimeout);
        RequireCount(errors, $"{at}:Match:Hosts", route.Match.Hosts?.Count, RoutingTableLimits.MaxMatchEntries);
        RequireCount(errors, $"{at}:Match:Methods", route.Match.Methods?.Count, RoutingTableLimits.MaxMatchEntries);
        RequireCount(errors, $"{at}:Match:Headers", route.Match.Headers?.Count, RoutingTableLimits.MaxMatchEntries);
        RequireCount(errors, $"{at}:Match:QueryParameters", route.Match.QueryParameters?.Count, RoutingTableLimits.MaxMatchEntries);
        RequireLength(errors, $"{at}:Match:Path", route.Match.Path, RoutingTableLimits.MaxValueLength);
        RequireMetadata(errors, $"{at}:Metadata", route.Metadata);
        CompressionMetadata.Validate(errors, $"{at}:Metadata", route.Metadata);
        TrafficSplit.Validate(errors, $"{at}:Metadata", route.Metadata, table);
        RetryMetadata.ValidateRoute(errors, $"{at}:Metadata", route.Metadata);
        if (route.Transforms is { } transforms)
        {
            RequireCount(errors, $"{at}:Transforms", transforms.Count, RoutingTableLimits.MaxTransforms);
            for (var i = 0; i < Math.Min(transforms.Count, RoutingTableLimits.MaxTransforms); i++)
            {
                RequireCount(errors, $"{at}:Transforms:{i}", transforms[i].Count, RoutingTableLimits.MaxTransformKeys);
                RequireEntries(errors, $"{at}:Transforms:{i}", transforms[i]);
            }
        }

        if (route.MaxRequestBodySize is < -1)
        {
            errors.Add(new($"{at}:MaxRequestBodySize", $"must be a size in bytes, or -1 for no limit, got {route.MaxRequestBodySize}"));
        }
    }

    private static void ValidateCluster(List<ValidationError> errors, string at, ClusterDefinition cluster, KnownPolicies policies)
    {
        if (string.IsNullOrWhiteSpace(cluster.ClusterId))
        {
            errors.Add(new(at, "cluster id is empty"));
        }
        else
        {
            RequireId(errors, at, "cluster id", cluster.ClusterId);
        }

        RequireMetadata(errors, $"{at}:Metadata", cluster.Metadata);

        RequireKnown(errors, $"{at}:LoadBalancingPolicy", cluster.LoadBalancingPolicy, policies.LoadBalancing);

        if (cluster.Metadata?.TryGetValue(KeyHashingAlgorithms.MetadataKey, out var hashing) == true)
        {
            RequireKnown(errors, $"{at}:Metadata:{KeyHashingAlgorithms.MetadataKey}", hashing, policies.KeyHashing);
        }

        if (cluster.SessionAffinity is { } affinity)
        {
            if (affinity.Policy is { } policy && KnownPolicies.NodeLocalAffinity.TryGetValue(policy, out var alternative))
            {
                errors.Add(new($"{at}:SessionAffinity:Policy",
                    $"'{policy}' is not offered: YARP encrypts its value with a key of the node that set it, so another node of the cluster " +
                    $"could not read it and the session would move when DNS or anycast sends the client elsewhere; use '{alternative}', " +
                    "which every node reads alike (docs/yarp-compatibility.md)"));
            }
            else
            {
                RequireKnown(errors, $"{at}:SessionAffinity:Policy", affinity.Policy, policies.SessionAffinity);
            }

            RequireKnown(errors, $"{at}:SessionAffinity:FailurePolicy", affinity.FailurePolicy, policies.AffinityFailure);
            if (affinity.Enabled == true && string.IsNullOrWhiteSpace(affinity.AffinityKeyName))
            {
                errors.Add(new($"{at}:SessionAffinity:AffinityKeyName", "is required when affinity is enabled"));
            }
        }

        if (cluster.HealthCheck is { } health)
        {
            RequireKnown(errors, $"{at}:HealthCheck:AvailableDestinationsPolicy", health.AvailableDestinationsPolicy, policies.AvailableDestinations);
            if (health.Active is { } active)
            {
                RequireKnown(errors, $"{at}:HealthCheck:Active:Policy", active.Policy, policies.ActiveHealth);
                RequireDuration(errors, $"{at}:HealthCheck:Active:Interval", active.Interval, RoutingTableLimits.MaxProbeInterval, RoutingTableLimits.MinProbeInterval);
                RequireDuration(errors, $"{at}:HealthCheck:Active:Timeout", active.Timeout, RoutingTableLimits.MaxProbeTimeout);
                if (active.Path is { Length: > 0 } probePath && !probePath.StartsWith('/'))
                {
                    errors.Add(new($"{at}:HealthCheck:Active:Path", $"'{probePath}' must start with '/'"));
                }
            }

            if (health.Passive is { } passive)
            {
                RequireKnown(errors, $"{at}:HealthCheck:Passive:Policy", passive.Policy, policies.PassiveHealth);
                RequireDuration(errors, $"{at}:HealthCheck:Passive:ReactivationPeriod", passive.ReactivationPeriod, RoutingTableLimits.MaxReactivationPeriod);
            }
        }

        if (cluster.HttpClient is { } client)
        {
            ValidateHttpClient(errors, $"{at}:HttpClient", client);
        }

        HealthPolicyMetadata.Validate(errors, $"{at}:Metadata", cluster.Metadata);
        DestinationAdmin.ValidateCluster(errors, $"{at}:Metadata", cluster.Metadata);
        RetryMetadata.Validate(errors, $"{at}:Metadata", cluster.Metadata);
        LoadBalancingMetadata.Validate(errors, at, cluster);

        if (cluster.HttpRequest is { } request)
        {
            RequireDuration(errors, $"{at}:HttpRequest:ActivityTimeout", request.ActivityTimeout, RoutingTableLimits.MaxRequestTimeout);
            if (request.Version is { } version && !HttpVersions.Contains(version))
            {
                errors.Add(new($"{at}:HttpRequest:Version", $"'{version}' is not an HTTP version (1.0, 1.1, 2, 3)"));
            }

            if (request.VersionPolicy is { } versionPolicy && !VersionPolicies.Contains(versionPolicy))
            {
                errors.Add(new($"{at}:HttpRequest:VersionPolicy", $"'{versionPolicy}' is not one of {string.Join(", ", VersionPolicies)}"));
            }
        }

        AddDuplicateIds(errors, $"{at}:Destinations", cluster.Destinations.Keys);
        RequireCount(errors, $"{at}:Destinations", cluster.Destinations.Count, RoutingTableLimits.MaxDestinationsPerCluster);
        foreach (var (id, destination) in cluster.Destinations)
        {
            var destinationAt = $"{at}:Destinations:{id}";
            RequireId(errors, destinationAt, "destination id", id);
            RequireMetadata(errors, $"{destinationAt}:Metadata", destination.Metadata);
            DestinationAdmin.ValidateDestination(errors, $"{destinationAt}:Metadata", destination.Metadata);
            RequireLength(errors, $"{destinationAt}:Host", destination.Host, RoutingTableLimits.MaxValueLength);
            RequireHttpUrl(errors, $"{destinationAt}:Address", destination.Address, required: true);
            RequireHttpUrl(errors, $"{destinationAt}:Health", destination.Health, required: false);
        }
    }

    private static void ValidateHttpClient(List<ValidationError> errors, string at, HttpClientDefinition client)
    {
        if (client.MaxConnectionsPerServer is <= 0)
        {
            errors.Add(new($"{at}:MaxConnectionsPerServer", $"must be positive, got {client.MaxConnectionsPerServer}"));
        }

        foreach (var (field, encoding) in new[] { ("RequestHeaderEncoding", client.RequestHeaderEncoding), ("ResponseHeaderEncoding", client.ResponseHeaderEncoding) })
        {
            if (encoding is null)
            {
                continue;
            }

            try
            {
                System.Text.Encoding.GetEncoding(encoding);
            }
            catch (ArgumentException)
            {
                errors.Add(new($"{at}:{field}", $"'{encoding}' is not an encoding name .NET knows, e.g. utf-8 or latin1"));
            }
        }

        if (client.WebProxy?.Address is { } proxy && (!proxy.IsAbsoluteUri || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add(new($"{at}:WebProxy:Address", $"'{proxy}' is not an absolute http(s) URL"));
        }
    }

    private static void AddDuplicateIds(List<ValidationError> errors, string at, IEnumerable<string> ids)
    {
        // Configuration keys are case-insensitive, so ids that differ only in case would collide there.
        foreach (var group in ids.GroupBy(id => id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add(new($"{at}:{group.Key}", $"duplicate id: {string.Join(", ", group.Select(id => $"'{id}'"))}"));
        }
    }

    private static void RequireKnown(List<ValidationError> errors, string field, string? name, IReadOnlySet<string> known)
    {
        if (name is not null && !known.Contains(name))
        {
            errors.Add(new(field, $"unknown policy '{name}'; known: {string.Join(", ", known.Order(StringComparer.Ordinal))}"));
        }
    }

    private static void RequireDuration(List<ValidationError> errors, string field, TimeSpan? value, TimeSpan max, TimeSpan? min = null)
    {
        if (value is not { } span)
        {
            return;
        }

        if (span <= TimeSpan.Zero)
        {
            errors.Add(new(field, $"must be greater than zero, was {span}"));
        }
        else if (span < min)
        {
            errors.Add(new(field, $"must be at least {min}, was {span}"));
        }
        else if (span > max)
        {
            errors.Add(new(field, $"must be at most {max}, was {span}"));
        }
    }

    private static void RequireId(List<ValidationError> errors, string at, string what, string id)
    {
        if (id.Length > RoutingTableLimits.MaxIdLength)
        {
            errors.Add(new(at, $"the {what} has {id.Length} characters; at most {RoutingTableLimits.MaxIdLength}"));
        }
        else if (id.Any(c => c is '/' or '\\' || char.IsControl(c)))
        {
            errors.Add(new(at, $"the {what} must not contain '/', '\\' or control characters"));
        }
        else if (id.Any(char.IsSurrogate) && !IsWellFormed(id))
        {
            errors.Add(new(at, $"the {what} is not well-formed Unicode"));
        }
    }

    private static bool IsWellFormed(string text) => System.Text.Unicode.Utf8.FromUtf16(text, new byte[text.Length * 3], out _, out _, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done;

    private static void RequireCount(List<ValidationError> errors, string field, int? count, int max)
    {
        if (count > max)
        {
            errors.Add(new(field, $"{count} entries; at most {max}"));
        }
    }

    private static void RequireLength(List<ValidationError> errors, string field, string? value, int max)
    {
        if (value?.Length > max)
        {
            errors.Add(new(field, $"{value.Length} characters; at most {max}"));
        }
    }

    private static void RequireMetadata(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        RequireCount(errors, at, metadata.Count, RoutingTableLimits.MaxMetadataEntries);
        RequireEntries(errors, at, metadata);
    }

    private static void RequireEntries(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string> entries)
    {
        foreach (var (key, value) in entries.Take(RoutingTableLimits.MaxMetadataEntries))
        {
            if (key.Length > RoutingTableLimits.MaxKeyLength)
            {
                errors.Add(new(at, $"a key has {key.Length} characters; at most {RoutingTableLimits.MaxKeyLength}"));
            }
            else
            {
                RequireLength(errors, $"{at}:{key}", value, RoutingTableLimits.MaxValueLength);
            }
        }
    }

    private static void RequireHttpUrl(List<ValidationError> errors, string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(new(field, "is required: an absolute http(s) URL"));
            }

            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add(new(field, $"'{value}' is not an absolute http(s) URL"));
        }
    }
}
