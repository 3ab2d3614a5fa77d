using System.Collections.Concurrent;
using ClusterLB.Core.Health;

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
            Interlocked.Increment(ref counter.SinceSuccess);
        }
        else
        {
            Interlocked.Exchange(ref counter.SinceSuccess, 0);
        }
    }

    /// <summary>Takes the counts gathered since the last call.</summary>
    public IReadOnlyDictionary<string, PassiveCount> Drain()
    {
        var drained = Interlocked.Exchange(ref _counters, new ConcurrentDictionary<(string ClusterId, string DestinationId), Counter>());
        return drained.ToDictionary(
            p => DestinationKey.Of(p.Key.ClusterId, p.Key.DestinationId),
            p => p.Value.Count(),
            StringComparer.Ordinal);
    }

    private sealed class Counter
    {
        public long Total;
        public long Failed;
        public long SinceSuccess;

        public PassiveCount Count()
        {
            var failed = (int)Interlocked.Read(ref Failed);
            return new PassiveCount(failed, (int)Interlocked.Read(ref Total), Math.Min(failed, (int)Interlocked.Read(ref SinceSuccess)));
        }
    }
}
