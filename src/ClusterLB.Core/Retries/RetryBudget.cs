namespace ClusterLB.Core.Retries;

/// <summary>
/// Bounds the retries of one cluster on one node, so that failing backends do not multiply the load on
/// them: over a sliding window of <see cref="WindowSeconds"/> one-second buckets, retries may reach
/// <c>percent</c> of the requests, and in any second at least <c>minPerSecond</c> retries are allowed
/// so that low traffic can still retry. Lock-free: a request costs one increment; only a retry reads the window.
/// </summary>
/// <remarks>
/// A bucket is replaced, not cleared, when its second comes round again; an increment racing with that
/// replacement may be lost, which can only let a request go uncounted, never a retry pass the limit of
/// the current second (retries are taken with a compare-and-swap on the bucket they are counted in).
/// </remarks>
public sealed class RetryBudget
{
    /// <summary>Length of the window, in seconds.</summary>
    public const int WindowSeconds = 10;

    private readonly TimeProvider _time;
    private readonly double _share;
    private readonly Bucket[] _buckets = new Bucket[WindowSeconds];

    /// <summary>A budget of <paramref name="percent"/> (0 to 100) of the requests, and <paramref name="minPerSecond"/> retries in any second.</summary>
    public RetryBudget(TimeProvider time, double percent, int minPerSecond)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        ArgumentOutOfRangeException.ThrowIfNegative(minPerSecond);
        _time = time;
        _share = percent / 100;
        Percent = percent;
        MinPerSecond = minPerSecond;
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new Bucket(long.MinValue);
        }
    }

    /// <summary>The share of requests that may be retried, in percent.</summary>
    public double Percent { get; }

    /// <summary>Retries allowed in any second.</summary>
    public int MinPerSecond { get; }

    /// <summary>Counts a request of the cluster: it earns the budget its share.</summary>
    public void Deposit() => Interlocked.Increment(ref Current(Now()).Requests);

    /// <summary>Takes one retry from the budget; false when the budget is spent and the request must not be retried.</summary>
    public bool TryWithdraw()
    {
        var now = Now();
        var current = Current(now);
        var (requests, earlierRetries) = Window(now, except: current);
        while (true)
        {
            var retries = Volatile.Read(ref current.Retries);
            var allowed = retries < MinPerSecond
                || earlierRetries + retries + 1 <= _share * (requests + Volatile.Read(ref current.Requests));
            if (!allowed)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref current.Retries, retries + 1, retries) == retries)
            {
                return true;
            }
        }
    }

    /// <summary>Requests and retries counted in the window that ends now.</summary>
    public (long Requests, long Retries) InWindow()
    {
        var now = Now();
        var (requests, retries) = Window(now, except: null);
        return (requests, retries);
    }

    private (long Requests, long Retries) Window(long now, Bucket? except)
    {
        long requests = 0, retries = 0;
        foreach (var bucket in _buckets)
        {
            if (bucket != except && bucket.Second > now - WindowSeconds && bucket.Second <= now)
            {
                requests += Volatile.Read(ref bucket.Requests);
                retries += Volatile.Read(ref bucket.Retries);
            }
        }

        return (requests, retries);
    }

    private long Now() => _time.GetTimestamp() / _time.TimestampFrequency;

    private Bucket Current(long now)
    {
        ref var slot = ref _buckets[(int)(((now % WindowSeconds) + WindowSeconds) % WindowSeconds)];
        while (true)
        {
            var bucket = Volatile.Read(ref slot);
            if (bucket.Second == now)
            {
                return bucket;
            }

            var fresh = new Bucket(now);
            if (Interlocked.CompareExchange(ref slot, fresh, bucket) == bucket)
            {
                return fresh;
            }
        }
    }

    private sealed class Bucket(long second)
    {
        public readonly long Second = second;
        public long Requests;
        public long Retries;
    }
}
