using ClusterLB.Core.Routing;
using ClusterLB.Node.Proxy;

namespace ClusterLB.Node.Https;

/// <summary>
/// Checks the TLS-related metadata of a routing table: route switches for redirect and HSTS are
/// <c>true</c> or <c>false</c>, and a cluster's backend CA is one this node knows.
/// </summary>
public sealed class TlsMetadata(BackendAuthorities authorities)
{
    /// <summary>Adds to <paramref name="errors"/> what is wrong with the TLS metadata of <paramref name="table"/>.</summary>
    public void Check(RoutingTable table, List<ValidationError> errors)
    {
        foreach (var (id, route) in table.Routes)
        {
            foreach (var key in new[] { HttpsEnforcement.RedirectMetadataKey, HttpsEnforcement.HstsMetadataKey })
            {
                if (route.Metadata?.TryGetValue(key, out var value) == true && !bool.TryParse(value, out _))
                {
                    errors.Add(new ValidationError($"Routes:{id}:Metadata:{key}", $"'{value}' is neither true nor false"));
                }
            }
        }

        foreach (var (id, cluster) in table.Clusters)
        {
            if (cluster.Metadata?.TryGetValue(BackendAuthorities.MetadataKey, out var name) == true && !authorities.Contains(name))
            {
                errors.Add(new ValidationError(
                    $"Clusters:{id}:Metadata:{BackendAuthorities.MetadataKey}",
                    $"'{name}' is not a certificate authority of this node; define it as {BackendAuthorities.Section}:{name}:Path"));
            }
        }
    }
}
