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

        foreach (var (id, route) in table.Routes)
        {
            ValidateRoute(errors, $"Routes:{id}", route, table);
        }

        foreach (var (id, cluster) in table.Clusters)
        {
            ValidateCluster(errors, $"Clusters:{id}", cluster, policies);
        }

        return errors;
    }

    private static void ValidateRoute(List<ValidationError> errors, string at, RouteDefinition route, RoutingTable table)
    {
        if (string.IsNullOrWhiteSpace(route.RouteId))
        {
            errors.Add(new(at, "route id is empty"));
        }

        if (string.IsNullOrWhiteSpace(route.ClusterId))
        {
            errors.Add(new($"{at}:ClusterId", "is required"));
        }
        else if (!table.Clusters.ContainsKey(route.ClusterId))
        {
            errors.Add(new($"{at}:ClusterId", $"names cluster '{route.ClusterId}', which does not exist"));
        }

        if (string.IsNullOrWhiteSpace(route.Match.Path) && (route.Match.Hosts is null || route.Match.Hosts.Count == 0))
        {
            errors.Add(new($"{at}:Match", "needs a Path or at least one Host"));
        }
        else if (route.Match.Path is { Length: > 0 } path && !path.StartsWith('/'))
        {
            errors.Add(new($"{at}:Match:Path", $"'{path}' must start with '/'"));
        }

        RequirePositive(errors, $"{at}:Timeout", route.Timeout);
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

        RequireKnown(errors, $"{at}:LoadBalancingPolicy", cluster.LoadBalancingPolicy, policies.LoadBalancing);

        if (cluster.Metadata?.TryGetValue(KeyHashingAlgorithms.MetadataKey, out var hashing) == true)
        {
            RequireKnown(errors, $"{at}:Metadata:{KeyHashingAlgorithms.MetadataKey}", hashing, policies.KeyHashing);
        }

        if (cluster.SessionAffinity is { } affinity)
        {
            RequireKnown(errors, $"{at}:SessionAffinity:Policy", affinity.Policy, policies.SessionAffinity);
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
                RequirePositive(errors, $"{at}:HealthCheck:Active:Interval", active.Interval);
                RequirePositive(errors, $"{at}:HealthCheck:Active:Timeout", active.Timeout);
                if (active.Path is { Length: > 0 } probePath && !probePath.StartsWith('/'))
                {
                    errors.Add(new($"{at}:HealthCheck:Active:Path", $"'{probePath}' must start with '/'"));
                }
            }

            if (health.Passive is { } passive)
            {
                RequireKnown(errors, $"{at}:HealthCheck:Passive:Policy", passive.Policy, policies.PassiveHealth);
                RequirePositive(errors, $"{at}:HealthCheck:Passive:ReactivationPeriod", passive.ReactivationPeriod);
            }
        }

        if (cluster.HttpRequest is { } request)
        {
            RequirePositive(errors, $"{at}:HttpRequest:ActivityTimeout", request.ActivityTimeout);
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
        foreach (var (id, destination) in cluster.Destinations)
        {
            var destinationAt = $"{at}:Destinations:{id}";
            RequireHttpUrl(errors, $"{destinationAt}:Address", destination.Address, required: true);
            RequireHttpUrl(errors, $"{destinationAt}:Health", destination.Health, required: false);
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

    private static void RequirePositive(List<ValidationError> errors, string field, TimeSpan? value)
    {
        if (value is { } span && span <= TimeSpan.Zero)
        {
            errors.Add(new(field, $"must be greater than zero, was {span}"));
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
