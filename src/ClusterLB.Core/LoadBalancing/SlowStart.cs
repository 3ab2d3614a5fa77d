namespace ClusterLB.Core.LoadBalancing;

/// <summary>
/// A destination that starts (or comes back) ramps linearly from <see cref="InitialPercent"/> of its
/// weight to all of it over <see cref="Duration"/>, so that a cold backend is not handed its full
/// share at once. The ramp starts at the latest of the times a destination became usable (healthy
/// verdict, added to the table, enabled by an operator); all nodes know the same times, so they ramp alike.
/// </summary>
/// <param name="Duration">How long the ramp takes.</param>
/// <param name="InitialPercent">The share of the weight at the start, 1 to 100.</param>
public sealed record SlowStart(TimeSpan Duration, double InitialPercent)
{
    /// <summary>The initial share when the metadata does not set one.</summary>
    public const double DefaultInitialPercent = 10;

    /// <summary>The longest ramp a table may set.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>The share of its weight, 0 to 1, a destination whose ramp started at <paramref name="start"/> has at <paramref name="now"/>.</summary>
    public double Factor(DateTimeOffset start, DateTimeOffset now)
    {
        var initial = InitialPercent / 100;
        var elapsed = now - start;
        if (elapsed >= Duration)
        {
            return 1;
        }

        return elapsed <= TimeSpan.Zero ? initial : initial + ((1 - initial) * (elapsed / Duration));
    }

    /// <summary>The latest of the times given, when a ramp starts; null when none is given (no ramp).</summary>
    public static DateTimeOffset? RampStart(DateTimeOffset? healthySince, DateTimeOffset? addedAt, DateTimeOffset? enabledAt)
    {
        DateTimeOffset? latest = null;
        foreach (var time in (ReadOnlySpan<DateTimeOffset?>)[healthySince, addedAt, enabledAt])
        {
            if (time > latest || latest is null)
            {
                latest = time ?? latest;
            }
        }

        return latest;
    }
}
