using System.Security.Authentication;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Node.Routing;

/// <summary>
/// Runs YARP's own checks (route patterns, header and query matches, transforms) over a table,
/// so what YARP would refuse at apply time is refused before it is persisted instead; and what only
/// the node can know: a destination that is one of its own listeners, a route constraint that could
/// burn CPU.
/// </summary>
public sealed class YarpValidation(IConfigValidator validator, NodeListeners listeners, Https.TlsMetadata tlsMetadata) : IRoutingTableValidator
{
    /// <summary>ClusterLB's own checks, then YARP's: what the routing-table writer runs before it persists.</summary>
    public IReadOnlyList<ValidationError> Validate(RoutingTable table)
    {
        var errors = RoutingTableValidator.Validate(table);
        // YARP's validator completes synchronously with ASP.NET Core's own policy providers, the ones the node registers.
        return errors.Count > 0 ? errors : ValidateAsync(table).GetAwaiter().GetResult();
    }

    /// <summary>Every error YARP finds in <paramref name="table"/>, with fields in ClusterLB's naming.</summary>
    public async Task<IReadOnlyList<ValidationError>> ValidateAsync(RoutingTable table)
    {
        var errors = new List<ValidationError>();
        AddEnumChecks(table, errors);
        if (errors.Count > 0)
        {
            return errors; // YARP's form of the table cannot be built
        }

        AddNodeChecks(table, errors);
        using var validating = TableBeingValidated.Enter(table); // policy providers answer from this table's policies
        tlsMetadata.Check(table, errors);
        var (routes, clusters) = YarpConfigMapper.Map(table);
        foreach (var route in routes)
        {
            foreach (var error in await validator.ValidateRouteAsync(route))
            {
                errors.Add(new ValidationError($"Routes:{route.RouteId}{PolicyField(error.Message)}", error.Message));
            }
        }

        foreach (var cluster in clusters)
        {
            foreach (var error in await validator.ValidateClusterAsync(cluster))
            {
                errors.Add(new ValidationError($"Clusters:{cluster.ClusterId}", error.Message));
            }
        }

        return errors;
    }

    // YARP names the policy, not the field; the field is what a user looks for in the file.
    private static string PolicyField(string message) => message switch
    {
        _ when message.Contains("Authorization policy", StringComparison.OrdinalIgnoreCase) => ":AuthorizationPolicy",
        _ when message.Contains("CORS policy", StringComparison.OrdinalIgnoreCase) => ":CorsPolicy",
        _ when message.Contains("RateLimiter policy", StringComparison.OrdinalIgnoreCase) => ":RateLimiterPolicy",
        _ when message.Contains("OutputCache policy", StringComparison.OrdinalIgnoreCase) => ":OutputCachePolicy",
        _ when message.Contains("timeout policy", StringComparison.OrdinalIgnoreCase) => ":TimeoutPolicy",
        _ when message.Contains("Invalid path", StringComparison.Ordinal) => ":Match:Path",
        _ => "",
    };

    private static void AddEnumChecks(RoutingTable table, List<ValidationError> errors)
    {
        void Require<T>(string field, string? name) where T : struct, Enum
        {
            if (!YarpEnums.IsValid<T>(name))
            {
                errors.Add(new ValidationError(field, $"'{name}' is not one of {YarpEnums.Names<T>()}"));
            }
        }

        foreach (var (id, route) in table.Routes)
        {
            for (var i = 0; i < (route.Match.Headers?.Count ?? 0); i++)
            {
                Require<HeaderMatchMode>($"Routes:{id}:Match:Headers:{i}:Mode", route.Match.Headers![i].Mode);
            }

            for (var i = 0; i < (route.Match.QueryParameters?.Count ?? 0); i++)
            {
                Require<QueryParameterMatchMode>($"Routes:{id}:Match:QueryParameters:{i}:Mode", route.Match.QueryParameters![i].Mode);
            }
        }

        foreach (var (id, cluster) in table.Clusters)
        {
            Require<CookieSecurePolicy>($"Clusters:{id}:SessionAffinity:Cookie:SecurePolicy", cluster.SessionAffinity?.Cookie?.SecurePolicy);
            Require<SameSiteMode>($"Clusters:{id}:SessionAffinity:Cookie:SameSite", cluster.SessionAffinity?.Cookie?.SameSite);
            Require<HttpVersionPolicy>($"Clusters:{id}:HttpRequest:VersionPolicy", cluster.HttpRequest?.VersionPolicy);
            for (var i = 0; i < (cluster.HttpClient?.SslProtocols?.Count ?? 0); i++)
            {
                Require<SslProtocols>($"Clusters:{id}:HttpClient:SslProtocols:{i}", cluster.HttpClient!.SslProtocols![i]);
            }
        }
    }

    private void AddNodeChecks(RoutingTable table, List<ValidationError> errors)
    {
        foreach (var (id, route) in table.Routes)
        {
            if (route.Match.Path is not { } path)
            {
                continue;
            }

            RoutePattern pattern;
            try
            {
                pattern = RoutePatternFactory.Parse(path);
            }
            catch (RoutePatternException)
            {
                continue; // YARP's own check names the error
            }

            foreach (var policy in pattern.Parameters.SelectMany(p => p.ParameterPolicies))
            {
                if (policy.Content is { } content && content.StartsWith("regex(", StringComparison.OrdinalIgnoreCase) && content.EndsWith(')')
                    && LinearRegexRouteConstraint.Refusal(content["regex(".Length..^1]) is { } refusal)
                {
                    errors.Add(new ValidationError($"Routes:{id}:Match:Path", refusal));
                }
            }
        }

        foreach (var (clusterId, cluster) in table.Clusters)
        {
            foreach (var (destinationId, destination) in cluster.Destinations)
            {
                foreach (var (field, address) in new[] { ("Address", destination.Address), ("Health", destination.Health) })
                {
                    if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && listeners.IsOwn(uri))
                    {
                        errors.Add(new ValidationError(
                            $"Clusters:{clusterId}:Destinations:{destinationId}:{field}",
                            $"'{address}' is this node's own proxy or admin listener: requests would loop, or expose the admin API"));
                    }
                }
            }
        }
    }
}
