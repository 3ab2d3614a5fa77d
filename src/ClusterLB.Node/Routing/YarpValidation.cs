using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
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
        // YARP's validator completes synchronously for the features ClusterLB maps (no authorization or CORS lookups).
        return errors.Count > 0 ? errors : ValidateAsync(table).GetAwaiter().GetResult();
    }

    /// <summary>Every error YARP finds in <paramref name="table"/>, with fields in ClusterLB's naming.</summary>
    public async Task<IReadOnlyList<ValidationError>> ValidateAsync(RoutingTable table)
    {
        var errors = new List<ValidationError>();
        AddNodeChecks(table, errors);
        tlsMetadata.Check(table, errors);
        var (routes, clusters) = YarpConfigMapper.Map(table);
        foreach (var route in routes)
        {
            foreach (var error in await validator.ValidateRouteAsync(route))
            {
                errors.Add(new ValidationError($"Routes:{route.RouteId}", error.Message));
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
