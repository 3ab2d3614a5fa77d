using System.Collections.Concurrent;
using System.Diagnostics;
using ClusterLB.Cluster.Membership;
using ClusterLB.Core.Observability;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Observability;

/// <summary>
/// This node's traffic over the last seconds, for <c>/admin/observe</c>: every request into the
/// node's window, and each request that reached a destination into that destination's window too.
/// Recording takes a dictionary lookup by reference and a few interlocked increments, and allocates
/// nothing after a destination's first request (docs/benchmarks.md). The member report reads it once
/// a second.
/// </summary>
public sealed class TrafficRecorder
{
    /// <summary>At most this many destinations, the busiest, go into a report, which must stay well within a remoting frame.</summary>
    public const int MaxReportedDestinations = 100;

    private readonly ConcurrentDictionary<DestinationState, DestinationWindow> _destinations = new(ReferenceEqualityComparer.Instance);
    private readonly TrafficWindow _node;
    private readonly int _seconds;

    /// <summary>A recorder over windows of <paramref name="seconds"/> complete seconds.</summary>
    public TrafficRecorder(int seconds = TrafficWindow.DefaultSeconds)
    {
        _seconds = seconds;
        _node = new TrafficWindow(seconds);
    }

    /// <summary>Complete seconds the summaries cover.</summary>
    public int WindowSeconds => _seconds;

    /// <summary>
    /// Records a request that started at <paramref name="startedAt"/> and ended at <paramref name="endedAt"/>
    /// (<see cref="Stopwatch"/> timestamps), sent to <paramref name="destination"/> of
    /// <paramref name="clusterId"/> (null when it reached none), failed or not.
    /// </summary>
    public void Record(string? clusterId, DestinationState? destination, long startedAt, long endedAt, bool failed)
    {
        var second = endedAt / Stopwatch.Frequency;
        var microseconds = (endedAt - startedAt) * 1_000_000 / Stopwatch.Frequency;
        _node.Record(second, microseconds, failed);
        if (destination is not null && clusterId is not null)
        {
            var window = _destinations.GetOrAdd(destination, static (d, state) => new DestinationWindow(state.clusterId, d.DestinationId, state.seconds), (clusterId, seconds: _seconds));
            window.Traffic.Record(second, microseconds, failed);
        }
    }

    /// <summary>
    /// The node's traffic over the window before the current second, and each destination's that had
    /// any (the <see cref="MaxReportedDestinations"/> busiest); destinations idle for a whole window are
    /// forgotten (removed destinations do not linger).
    /// </summary>
    public (TrafficSummary Node, IReadOnlyList<DestinationTraffic> Destinations) Read()
    {
        var second = Stopwatch.GetTimestamp() / Stopwatch.Frequency;
        var destinations = new List<DestinationTraffic>();
        foreach (var (state, window) in _destinations)
        {
            var summary = window.Traffic.Summary(second);
            if (summary.Requests > 0)
            {
                destinations.Add(new DestinationTraffic(window.ClusterId, window.DestinationId, summary.Requests, summary.Errors, summary.Latency));
            }
            else if (window.Traffic.IdleAt(second))
            {
                _destinations.TryRemove(state, out _);
            }
        }

        if (destinations.Count > MaxReportedDestinations)
        {
            destinations = destinations.OrderByDescending(d => d.Requests).Take(MaxReportedDestinations).ToList();
        }

        destinations.Sort((a, b) => (string.CompareOrdinal(a.Cluster, b.Cluster), string.CompareOrdinal(a.Destination, b.Destination)) switch
        {
            (0, var byDestination) => byDestination,
            (var byCluster, _) => byCluster,
        });
        return (_node.Summary(second), destinations);
    }

    private sealed class DestinationWindow(string clusterId, string destinationId, int seconds)
    {
        public string ClusterId { get; } = clusterId;

        public string DestinationId { get; } = destinationId;

        public TrafficWindow Traffic { get; } = new(seconds);
    }
}
