using ClusterLB.Core.Routing;
using Yarp.ReverseProxy;

namespace ClusterLB.Node.Admin;

/// <summary>
/// One destination as this node routes to it: the operator's admin state and weight (from the
/// replicated table, so the same on every node) and the health verdict it applies.
/// </summary>
public sealed record DestinationView(
    string Cluster,
    string Destination,
    string Address,
    DestinationAdminState AdminState,
    DateTimeOffset? AdminStateSince,
    string? Weight,
    string Health)
{
    /// <summary>Every destination of every cluster the proxy runs, ordered by cluster and destination.</summary>
    public static IReadOnlyList<DestinationView> Read(IProxyStateLookup proxy) =>
        proxy.GetClusters()
            .SelectMany(cluster => cluster.Destinations.Values.Select(d =>
            {
                var metadata = d.Model.Config.Metadata;
                return new DestinationView(
                    cluster.ClusterId,
                    d.DestinationId,
                    d.Model.Config.Address,
                    DestinationAdmin.StateOf(metadata),
                    DestinationAdmin.SinceOf(metadata),
                    metadata?.GetValueOrDefault(DestinationAdmin.WeightKey),
                    d.Health.Active.ToString());
            }))
            .OrderBy(d => d.Cluster, StringComparer.Ordinal)
            .ThenBy(d => d.Destination, StringComparer.Ordinal)
            .ToList();
}
