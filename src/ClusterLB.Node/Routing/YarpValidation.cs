using ClusterLB.Core.Routing;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Node.Routing;

/// <summary>
/// Runs YARP's own checks (route patterns, header and query matches, transforms) over a table,
/// so what YARP would refuse at apply time is refused before it is persisted instead.
/// </summary>
public sealed class YarpValidation(IConfigValidator validator)
{
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
