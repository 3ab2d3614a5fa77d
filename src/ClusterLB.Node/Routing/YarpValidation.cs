using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Node.Routing;

/// <summary>
/// Runs YARP's own checks (route patterns, header and query matches, transforms) over a table,
/// so what YARP would refuse at apply time is refused before it is persisted instead.
/// </summary>
public sealed class YarpValidation(IConfigValidator validator) : IRoutingTableValidator
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
}
