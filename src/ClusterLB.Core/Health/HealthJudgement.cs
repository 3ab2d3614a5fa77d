namespace ClusterLB.Core.Health;

/// <summary>The cluster's verdict on a destination, as every node applies it.</summary>
public enum HealthVerdict
{
    /// <summary>Nothing known yet; the destination receives traffic.</summary>
    Unknown,

    /// <summary>Probes pass; the destination receives traffic.</summary>
    Healthy,

    /// <summary>Probes failed, or real traffic ejected it; the destination receives no traffic.</summary>
    Unhealthy,
}

/// <summary>How many probe results it takes to change the active verdict.</summary>
/// <param name="Rise">Consecutive passing probes that make an unhealthy destination healthy.</param>
/// <param name="Fall">Consecutive failing probes that make a healthy destination unhealthy.</param>
public sealed record HealthThresholds(int Rise, int Fall)
{
    /// <summary>Rise 2, fall 2.</summary>
    public static HealthThresholds Default { get; } = new(2, 2);
}

/// <summary>
/// What the owner of one destination knows of it: the verdict of the active probes with the run of
/// results behind it (rise/fall hysteresis), and the outlier state from real traffic (consecutive
/// failures, ejections). Transitions are pure, so the same results always give the same verdict.
/// </summary>
/// <param name="Probed">The verdict of the active probes alone.</param>
/// <param name="Successes">Passing probes in a row.</param>
/// <param name="Failures">Failing probes in a row.</param>
/// <param name="ConsecutiveFailures">Failed requests since the last successful one, all nodes together.</param>
/// <param name="Ejections">Times ejected, for the length of the next ejection; decays while in service.</param>
/// <param name="EjectedUntil">When the current ejection ends; null when not ejected.</param>
/// <param name="NextDecay">When <paramref name="Ejections"/> goes down by one if it is not ejected again.</param>
public sealed record HealthJudgement(
    HealthVerdict Probed,
    int Successes,
    int Failures,
    int ConsecutiveFailures,
    int Ejections,
    DateTimeOffset? EjectedUntil,
    DateTimeOffset? NextDecay)
{
    /// <summary>The verdict every node applies: out while ejected, else what the probes say.</summary>
    public HealthVerdict Verdict => EjectedUntil is null ? Probed : HealthVerdict.Unhealthy;

    /// <summary>
    /// A destination starting from the cluster's verdict (when ownership moves): an ejection goes on
    /// to its end with its count, and the probes start afresh.
    /// </summary>
    public static HealthJudgement From(HealthVerdict verdict, DateTimeOffset? ejectedUntil = null, int ejections = 0) =>
        ejectedUntil is null
            ? new(verdict, 0, 0, 0, ejections, null, null)
            : new(HealthVerdict.Unknown, 0, 0, 0, ejections, ejectedUntil, null);

    /// <summary>The state after one active probe.</summary>
    public HealthJudgement Probe(bool passed, HealthThresholds thresholds)
    {
        if (!passed)
        {
            var failures = Failures + 1;
            var falls = Probed == HealthVerdict.Unknown || failures >= thresholds.Fall;
            return this with { Successes = 0, Failures = failures, Probed = falls ? HealthVerdict.Unhealthy : Probed };
        }

        var successes = Successes + 1;
        var rises = Probed == HealthVerdict.Unknown || successes >= thresholds.Rise;
        return this with { Successes = successes, Failures = 0, Probed = rises ? HealthVerdict.Healthy : Probed };
    }

    /// <summary>
    /// The state after one report window of real traffic from every node. It is ejected when
    /// <paramref name="policy"/> finds it an outlier and <paramref name="mayEject"/> (the cluster's
    /// ejection cap) allows; the reason is returned with it.
    /// </summary>
    public (HealthJudgement Next, string? Ejected) Observe(PassiveCount window, DateTimeOffset now, OutlierPolicy policy, bool mayEject)
    {
        if (EjectedUntil is not null || window.Total == 0)
        {
            return (this, null); // an ejected destination's stray requests (panic) do not extend it
        }

        var consecutive = window.Succeeded > 0 ? window.Trailing : ConsecutiveFailures + window.Failed;
        var fault = policy.Fault(window, consecutive);
        if (fault is null || !mayEject)
        {
            return (this with { ConsecutiveFailures = consecutive }, null);
        }

        var ejections = Ejections + 1;
        var until = now + policy.EjectionTime(ejections);
        return (this with { ConsecutiveFailures = 0, Ejections = ejections, EjectedUntil = until, NextDecay = null }, fault);
    }

    /// <summary>The state when its ejection gives way to the cluster's cap: back in service, as if never ejected.</summary>
    public HealthJudgement Lift() =>
        EjectedUntil is null ? this : this with { EjectedUntil = null, Ejections = Math.Max(0, Ejections - 1) };

    /// <summary>
    /// The state once time has passed: an ejection that has run its time ends (unknown when nothing
    /// probes the destination, else as the probes say), and the ejection count goes down by one for
    /// each base ejection time spent in service.
    /// </summary>
    public HealthJudgement Elapsed(DateTimeOffset now, bool probed, OutlierPolicy policy)
    {
        if (EjectedUntil is { } until)
        {
            return now < until
                ? this
                : this with
                {
                    EjectedUntil = null,
                    ConsecutiveFailures = 0,
                    NextDecay = now + policy.BaseEjectionTime,
                    Probed = probed ? Probed : HealthVerdict.Unknown,
                };
        }

        if (NextDecay is { } decay && now >= decay)
        {
            var ejections = Math.Max(0, Ejections - 1);
            return this with { Ejections = ejections, NextDecay = ejections > 0 ? now + policy.BaseEjectionTime : null };
        }

        return this;
    }
}
