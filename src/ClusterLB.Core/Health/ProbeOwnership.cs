using ClusterLB.Core.Hashing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Health;

/// <summary>A destination of a cluster, with its key in the health tables.</summary>
public readonly record struct DestinationRef(string ClusterId, string DestinationId)
{
    /// <summary><c>cluster/destination</c>.</summary>
    public string Key => DestinationKey.Of(ClusterId, DestinationId);
}

/// <summary>
/// Who owns what in health: each destination has one owner, chosen by rendezvous hashing of its key
/// over the reachable Up members, so every node with the same members agrees, the cluster sends one
/// probe per destination per interval, and losing a member moves only the destinations it owned.
/// The owner probes the destination, receives every node's real-traffic counts for it and judges it.
/// </summary>
public static class ProbeOwnership
{
    /// <summary>The member that owns <paramref name="destinationKey"/>, or null when there is none.</summary>
    public static string? Owner(string destinationKey, IReadOnlyList<string> members) => Rendezvous.Owner(destinationKey, members);

    /// <summary>The destinations of <paramref name="table"/> that <paramref name="self"/> owns among <paramref name="members"/>.</summary>
    public static IEnumerable<DestinationRef> OwnedBy(string self, RoutingTable table, IReadOnlyList<string> members)
    {
        foreach (var (clusterId, cluster) in table.Clusters)
        {
            foreach (var destinationId in cluster.Destinations.Keys)
            {
                var destination = new DestinationRef(clusterId, destinationId);
                if (Owner(destination.Key, members) == self)
                {
                    yield return destination;
                }
            }
        }
    }

    /// <summary>Real-traffic counts by destination key, split by the member each must be sent to.</summary>
    public static Dictionary<string, Dictionary<string, PassiveCount>> ByOwner(
        IReadOnlyDictionary<string, PassiveCount> counts, IReadOnlyList<string> members)
    {
        var byOwner = new Dictionary<string, Dictionary<string, PassiveCount>>(StringComparer.Ordinal);
        foreach (var (key, count) in counts)
        {
            if (Owner(key, members) is not { } owner)
            {
                continue;
            }

            if (!byOwner.TryGetValue(owner, out var report))
            {
                byOwner[owner] = report = new Dictionary<string, PassiveCount>(StringComparer.Ordinal);
            }

            report[key] = count;
        }

        return byOwner;
    }
}
