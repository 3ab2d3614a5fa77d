namespace ClusterLB.Core.Health;

/// <summary>The cluster's verdict on a destination, as every node applies it.</summary>
public enum HealthVerdict
{
    /// <summary>Nothing known yet; the destination receives traffic.</summary>
    Unknown,

    /// <summary>Probes pass; the destination receives traffic.</summary>
    Healthy,

    /// <summary>Probes or real traffic failed; the destination receives no traffic.</summary>
    Unhealthy,
}

/// <summary>How many results it takes to change a verdict, and what real traffic may do.</summary>
/// <param name="Rise">Consecutive passing probes that make an unhealthy destination healthy.</param>
/// <param name="Fall">Consecutive failing probes that make a healthy destination unhealthy.</param>
/// <param name="PassiveMinFailures">Failures from real traffic in one report window that can mark a destination unhealthy.</param>
/// <param name="PassiveFailureRate">Share of failed requests in the window that marks it unhealthy.</param>
/// <param name="ReactivationPeriod">How long a destination marked unhealthy by real traffic stays out.</param>
public sealed record HealthThresholds(int Rise, int Fall, int PassiveMinFailures, double PassiveFailureRate, TimeSpan ReactivationPeriod)
{
    /// <summary>Rise 2, fall 2, passive: 5 failures at 50% or more, out for 30 s.</summary>
    public static HealthThresholds Default { get; } = new(2, 2, 5, 0.5, TimeSpan.FromSeconds(30));
}

/// <summary>
/// What the probing owner knows of one destination: the verdict and the run of results behind it.
/// Transitions are pure, so the same results always give the same verdict (rise/fall hysteresis).
/// </summary>
public sealed record DestinationHealth(HealthVerdict Verdict, int Successes, int Failures, DateTimeOffset? PassiveUntil)
{
    /// <summary>A destination starting from <paramref name="verdict"/> (the cluster's, when ownership moves).</summary>
    public static DestinationHealth From(HealthVerdict verdict) => new(verdict, 0, 0, null);

    /// <summary>The state after one active probe.</summary>
    public DestinationHealth Probed(bool passed, DateTimeOffset now, HealthThresholds thresholds)
    {
        if (!passed)
        {
            var failures = Failures + 1;
            var falls = Verdict == HealthVerdict.Unknown || failures >= thresholds.Fall;
            return this with { Successes = 0, Failures = failures, Verdict = falls ? HealthVerdict.Unhealthy : Verdict };
        }

        var successes = Successes + 1;
        var heldOutByTraffic = PassiveUntil is { } until && now < until;
        var rises = !heldOutByTraffic && (Verdict == HealthVerdict.Unknown || successes >= thresholds.Rise);
        return this with { Successes = successes, Failures = 0, Verdict = rises ? HealthVerdict.Healthy : Verdict };
    }

    /// <summary>The state after a window of real traffic: <paramref name="failed"/> of <paramref name="total"/> requests failed.</summary>
    public DestinationHealth Observed(int failed, int total, DateTimeOffset now, HealthThresholds thresholds)
    {
        if (total == 0 || failed < thresholds.PassiveMinFailures || (double)failed / total < thresholds.PassiveFailureRate)
        {
            return this;
        }

        return new DestinationHealth(HealthVerdict.Unhealthy, 0, Failures, now + thresholds.ReactivationPeriod);
    }

    /// <summary>
    /// The state once time has passed: a destination taken out by real traffic comes back after the
    /// reactivation period, as unknown when nothing probes it; with probing, the probes decide.
    /// </summary>
    public DestinationHealth Elapsed(DateTimeOffset now, bool probed)
    {
        if (PassiveUntil is not { } until || now < until)
        {
            return this;
        }

        return probed ? this with { PassiveUntil = null } : From(HealthVerdict.Unknown);
    }
}
