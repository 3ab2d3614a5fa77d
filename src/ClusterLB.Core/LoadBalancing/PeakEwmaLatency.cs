namespace ClusterLB.Core.LoadBalancing;

/// <summary>
/// One destination's latency estimate for the PeakEwma policy (Finagle's and Linkerd's): an
/// exponentially weighted moving average of response times that jumps at once to a slower
/// response (peak-sensitive) and decays towards faster ones, and towards zero while the destination
/// is idle, with a time constant of <see cref="DecayTime"/>, so that a destination that was slow
/// is tried again once it has rested. The load is the estimate times (outstanding + 1). Thread-safe.
/// </summary>
public sealed class PeakEwmaLatency(TimeSpan decayTime)
{
    /// <summary>The default time constant of the decay.</summary>
    public static readonly TimeSpan DefaultDecayTime = TimeSpan.FromSeconds(10);

    // A destination not measured yet that already has requests waits for its first answer (Finagle's penalty).
    private const double Penalty = 1e9;

    private readonly double _decaySeconds = decayTime.TotalSeconds;
    private readonly Lock _lock = new();
    private double _costMilliseconds;
    private TimeSpan _stamp;

    /// <summary>The time constant of the decay.</summary>
    public TimeSpan DecayTime => decayTime;

    /// <summary>Records a response that took <paramref name="latency"/>, received at <paramref name="now"/> (any fixed origin).</summary>
    public void Observe(TimeSpan latency, TimeSpan now)
    {
        lock (_lock)
        {
            Update(latency.TotalMilliseconds, now);
        }
    }

    /// <summary>The current estimate, decayed to <paramref name="now"/>.</summary>
    public TimeSpan Estimate(TimeSpan now)
    {
        lock (_lock)
        {
            return TimeSpan.FromMilliseconds(Update(0, now));
        }
    }

    /// <summary>The destination's load at <paramref name="now"/> with <paramref name="outstanding"/> requests in flight.</summary>
    public double Load(int outstanding, TimeSpan now)
    {
        double cost;
        lock (_lock)
        {
            cost = Update(0, now);
        }

        return cost == 0 && outstanding > 0 ? Penalty + outstanding : cost * (outstanding + 1);
    }

    private double Update(double milliseconds, TimeSpan now)
    {
        var elapsed = Math.Max((now - _stamp).TotalSeconds, 0);
        _stamp = now > _stamp ? now : _stamp;
        if (milliseconds > _costMilliseconds)
        {
            _costMilliseconds = milliseconds;
        }
        else
        {
            var decay = Math.Exp(-elapsed / _decaySeconds);
            _costMilliseconds = (_costMilliseconds * decay) + (milliseconds * (1 - decay));
        }

        return _costMilliseconds;
    }
}
