using System.Collections.Concurrent;

namespace ClusterLB.Cluster.Health;

/// <summary>
/// Counts real-traffic results per destination, written by the proxy on every request without
/// locks or waiting, and drained by the health monitor once per report window.
/// </summary>
public sealed class PassiveHealthCounters
{
    private ConcurrentDictionary<(string ClusterId, string DestinationId), Counter> _counters = new();

    /// <summary>Records one request to a destination of a cluster.</summary>
    public void Record(string clusterId, string destinationId, bool failed)
    {
        var counter = _counters.GetOrAdd((clusterId, destinationId), static _ => new Counter());
        Interlocked.Increment(ref counter.Total);
        if (failed)
        {
            Interlocked.Increment(ref counter.Failed);
        }
    }

    /// <summary>Takes the counts gathered since the last call.</summary>
    public IReadOnlyDictionary<string, PassiveCount> Drain()
    {
        var drained = Interlocked.Exchange(ref _counters, new ConcurrentDictionary<(string ClusterId, string DestinationId), Counter>());
        return drained.ToDictionary(
            p => DestinationKey.Of(p.Key.ClusterId, p.Key.DestinationId),
            p => new PassiveCount((int)Interlocked.Read(ref p.Value.Failed), (int)Interlocked.Read(ref p.Value.Total)),
            StringComparer.Ordinal);
    }

    private sealed class Counter
    {
        public long Total;
        public long Failed;
    }
}
