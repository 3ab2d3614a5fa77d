using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// When each destination first appeared in a routing table this node applied: the start of its slow
/// start. Destinations of the node's first table are not new (they were serving before the node
/// started), and a destination removed and added again is new again.
/// </summary>
internal sealed class DestinationArrivals(TimeProvider time) : IAppliedTableObserver
{
    private volatile Snapshot? _snapshot;

    /// <summary>Raised at every table applied, so readers know when to look again.</summary>
    public long Version => _snapshot?.Version ?? 0;

    /// <summary>When the destination was added to the table; null when it was in the node's first table (or is unknown).</summary>
    public DateTimeOffset? AddedAt(string clusterId, string destinationId) =>
        _snapshot is { } snapshot && snapshot.Added.TryGetValue((clusterId, destinationId), out var at) ? at : null;

    public void Applying(RoutingTable table)
    {
        var previous = _snapshot;
        var now = time.GetUtcNow();
        var added = new Dictionary<(string, string), DateTimeOffset?>();
        foreach (var (clusterId, cluster) in table.Clusters)
        {
            foreach (var destinationId in cluster.Destinations.Keys)
            {
                var key = (clusterId, destinationId);
                added[key] = previous is null ? null : previous.Added.TryGetValue(key, out var at) ? at : now;
            }
        }

        _snapshot = new Snapshot(added, (previous?.Version ?? 0) + 1);
    }

    private sealed record Snapshot(Dictionary<(string Cluster, string Destination), DateTimeOffset?> Added, long Version);
}
