namespace ClusterLB.Core.Observability;

/// <summary>Requests, errors and their latencies over a window; summaries of nodes or destinations add up.</summary>
/// <param name="Requests">Requests that finished in the window.</param>
/// <param name="Errors">Of those, the ones that failed (see <see cref="TrafficWindow"/> for what counts).</param>
/// <param name="Latency">Their latencies.</param>
public sealed record TrafficSummary(long Requests, long Errors, LatencyHistogram Latency)
{
    /// <summary>No traffic.</summary>
    public static TrafficSummary Empty { get; } = new(0, 0, LatencyHistogram.Empty);

    /// <summary>The sum of <paramref name="summaries"/>.</summary>
    public static TrafficSummary Merge(IReadOnlyCollection<TrafficSummary> summaries) =>
        summaries.Count switch
        {
            0 => Empty,
            1 => summaries.First(),
            _ => new TrafficSummary(summaries.Sum(s => s.Requests), summaries.Sum(s => s.Errors), LatencyHistogram.Merge(summaries.Select(s => s.Latency))),
        };

    /// <summary>Requests per second over a window of <paramref name="seconds"/>.</summary>
    public double RequestsPerSecond(int seconds) => seconds <= 0 ? 0 : (double)Requests / seconds;

    /// <summary>Failed requests as a share of all (0..1); 0 without requests.</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;
}
