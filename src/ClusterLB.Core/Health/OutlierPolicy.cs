namespace ClusterLB.Core.Health;

/// <summary>
/// Outlier detection in Envoy's manner, the passive health policy: a destination is ejected after
/// <see cref="ConsecutiveFailures"/> failed requests in a row, or when at least
/// <see cref="FailureRatePercent"/> of one report window's requests failed (with at least
/// <see cref="MinimumRequests"/> of them). It stays out for <see cref="BaseEjectionTime"/> times the
/// number of times it was ejected, at most <see cref="MaxEjectionTime"/>; and never more than
/// <see cref="MaxEjectionPercent"/> of a cluster's destinations are out at once.
/// </summary>
/// <param name="ConsecutiveFailures">Failed requests in a row (all nodes together) that eject.</param>
/// <param name="FailureRatePercent">Share of failed requests in one window, 1 to 100, that ejects.</param>
/// <param name="MinimumRequests">Requests a window needs before its failure rate counts.</param>
/// <param name="BaseEjectionTime">The first ejection's length, and the step of later ones.</param>
/// <param name="MaxEjectionTime">The longest ejection.</param>
/// <param name="MaxEjectionPercent">Most destinations of a cluster out at once, in percent (0: none).</param>
public sealed record OutlierPolicy(
    int ConsecutiveFailures,
    int FailureRatePercent,
    int MinimumRequests,
    TimeSpan BaseEjectionTime,
    TimeSpan MaxEjectionTime,
    int MaxEjectionPercent)
{
    /// <summary>5 in a row, or 50 % of at least 10 requests; out 30 s × times ejected, at most 300 s; at most 50 % out.</summary>
    public static OutlierPolicy Default { get; } = new(5, 50, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(300), 50);

    /// <summary>Why a window with <paramref name="consecutive"/> failures in a row makes an outlier, or null when it does not.</summary>
    public string? Fault(PassiveCount window, int consecutive)
    {
        if (consecutive >= ConsecutiveFailures)
        {
            return $"{consecutive} consecutive failed requests";
        }

        return window.Total >= MinimumRequests && (long)window.Failed * 100 >= (long)FailureRatePercent * window.Total
            ? $"{window.Failed} of {window.Total} requests failed"
            : null;
    }

    /// <summary>How long the <paramref name="ejections"/>-th ejection lasts.</summary>
    public TimeSpan EjectionTime(int ejections) =>
        TimeSpan.FromTicks((long)Math.Min((double)BaseEjectionTime.Ticks * Math.Max(1, ejections), Math.Max(MaxEjectionTime.Ticks, BaseEjectionTime.Ticks)));

    /// <summary>
    /// Envoy's cap: how many of <paramref name="destinations"/> may be ejected at once. The first
    /// ejection is always allowed (unless the cap is 0); a further one only while the ejected share,
    /// counting it, stays within <see cref="MaxEjectionPercent"/>.
    /// </summary>
    public int MostEjected(int destinations) =>
        MaxEjectionPercent == 0 ? 0 : Math.Max(1, (int)((long)MaxEjectionPercent * destinations / 100));

    /// <summary>Whether one more destination may be ejected when <paramref name="ejected"/> of <paramref name="destinations"/> are.</summary>
    public bool MayEject(int ejected, int destinations) => ejected < MostEjected(destinations);

    /// <summary>
    /// The ejections beyond the cap, when owners on different nodes ejected destinations of one
    /// cluster at the same moment: the latest (then by key) give way, so every owner, looking at the
    /// same replicated verdicts, lifts the same ones.
    /// </summary>
    public IEnumerable<string> OverCap(IEnumerable<(string Key, DateTimeOffset Since)> ejections, int destinations) =>
        ejections
            .OrderBy(e => e.Since)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Skip(MostEjected(destinations))
            .Select(e => e.Key);
}
