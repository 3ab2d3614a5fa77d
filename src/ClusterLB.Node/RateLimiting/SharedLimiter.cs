using System.Threading.RateLimiting;
using ClusterLB.Core.Policies;

namespace ClusterLB.Node.RateLimiting;

/// <summary>
/// One client key's limiter on one node, admitting this node's <see cref="Share"/> of the cluster's limit.
/// System.Threading.RateLimiting's own limiters fix their limits when they are built; this one reads its
/// share on every request, so the background rebalancing can move it without losing what the key has
/// already used. Requests never wait: a request over the allowance is refused with the time after which
/// it may succeed (<see cref="MetadataName.RetryAfter"/>).
/// </summary>
public abstract class SharedLimiter : RateLimiter
{
    private readonly TimeProvider _time;
    private long _share; // a double's bits: read on the request path, written by the rebalancing
    private long _attempts;
    private long _lastUsed;

    /// <summary>Creates a limiter with an initial <paramref name="share"/>.</summary>
    protected SharedLimiter(double share, TimeProvider time)
    {
        _time = time;
        Share = share;
        _lastUsed = Now;
    }

    /// <summary>This node's part of the cluster's limit for the key, from 0 to 1.</summary>
    public double Share
    {
        get => BitConverter.Int64BitsToDouble(Volatile.Read(ref _share));
        set => Volatile.Write(ref _share, BitConverter.DoubleToInt64Bits(Math.Clamp(value, 0, 1)));
    }

    /// <summary>Requests in flight that hold a permit (concurrency limits only).</summary>
    public virtual int InFlight => 0;

    /// <summary>How long after its last request the key's limiter holds nothing worth keeping.</summary>
    protected abstract TimeSpan ForgetAfter { get; }

    /// <summary>Requests that asked for a permit since the last call, admitted or not: the key's demand here.</summary>
    public long TakeAttempts() => Interlocked.Exchange(ref _attempts, 0);

    /// <summary>Whether the limiter can be dropped: unused for longer than it remembers anything.</summary>
    public bool IsForgettable => InFlight == 0 && Now - Volatile.Read(ref _lastUsed) > ForgetAfter.Ticks;

    /// <inheritdoc />
    public override TimeSpan? IdleDuration => InFlight > 0 ? null : TimeSpan.FromTicks(Now - Volatile.Read(ref _lastUsed));

    /// <summary>Now, in ticks of the UTC clock; windows are aligned to it so that every node's windows coincide.</summary>
    protected long Now => _time.GetUtcNow().UtcTicks;

    /// <summary>A limiter of <paramref name="policy"/>'s kind starting with <paramref name="share"/> of its limit.</summary>
    public static SharedLimiter Create(RateLimitPolicy policy, double share, TimeProvider time) => policy.Kind switch
    {
        RateLimitKinds.TokenBucket => new SharedTokenBucket(policy, share, time),
        RateLimitKinds.FixedWindow => new SharedFixedWindow(policy, share, time),
        RateLimitKinds.SlidingWindow => new SharedSlidingWindow(policy, share, time),
        RateLimitKinds.Concurrency => new SharedConcurrency(policy, share, time),
        _ => throw new ArgumentException($"unknown rate-limit kind '{policy.Kind}'", nameof(policy)),
    };

    /// <summary>Admits or refuses <paramref name="permits"/> at <paramref name="now"/>.</summary>
    protected abstract RateLimitLease TryAcquire(int permits, long now);

    /// <summary>The whole-number allowance of a limit at this node's share: rounded, so that shares of a third add up.</summary>
    protected static long Allowance(double limit) => (long)Math.Floor(limit + 0.5);

    /// <inheritdoc />
    protected sealed override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        Interlocked.Increment(ref _attempts);
        var now = Now;
        Volatile.Write(ref _lastUsed, now);
        return TryAcquire(permitCount, now);
    }

    /// <inheritdoc />
    protected sealed override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        new(AttemptAcquireCore(permitCount));

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics() => null;

    /// <summary>A granted permit that gives nothing back.</summary>
    protected static RateLimitLease Granted { get; } = new SharedLease(true, null, null);

    /// <summary>A refusal; the request may succeed after <paramref name="retryAfter"/>.</summary>
    protected static RateLimitLease Refused(TimeSpan retryAfter) => new SharedLease(false, retryAfter, null);

    /// <summary>A granted permit that calls <paramref name="release"/> once when disposed.</summary>
    protected static RateLimitLease GrantedUntilDisposed(Action release) => new SharedLease(true, null, release);

    private sealed class SharedLease(bool acquired, TimeSpan? retryAfter, Action? release) : RateLimitLease
    {
        private Action? _release = release;

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }

        protected override void Dispose(bool disposing) => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}

/// <summary>
/// A token bucket holding this node's share of the cluster's bucket, topped up continuously at its share of
/// the cluster's rate. A larger share raises the rate from then on; it adds no tokens at once, so that a
/// share moving from node to node never lets two nodes spend the same tokens.
/// </summary>
internal sealed class SharedTokenBucket : SharedLimiter
{
    private readonly double _size;
    private readonly double _tokensPerTick;
    private readonly TimeSpan _fillTime;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _updated;

    public SharedTokenBucket(RateLimitPolicy policy, double share, TimeProvider time) : base(share, time)
    {
        _size = policy.PermitLimit;
        _tokensPerTick = (double)policy.TokensPerPeriod!.Value / policy.ReplenishmentPeriod!.Value.Ticks;
        _fillTime = TimeSpan.FromTicks((long)Math.Ceiling(_size / _tokensPerTick));
        _tokens = _size * share;
        _updated = Now;
    }

    protected override TimeSpan ForgetAfter => _fillTime;

    protected override RateLimitLease TryAcquire(int permits, long now)
    {
        var share = Share;
        lock (_lock)
        {
            var rate = _tokensPerTick * share;
            _tokens = Math.Min(_size * share, _tokens + (Math.Max(0, now - _updated) * rate));
            _updated = now;
            if (_tokens >= permits)
            {
                _tokens -= permits;
                return Granted;
            }

            return Refused(rate > 0 ? TimeSpan.FromTicks((long)Math.Ceiling((permits - _tokens) / rate)) : _fillTime);
        }
    }
}

/// <summary>
/// Fixed windows aligned to the clock, so that every node's windows coincide. A window admits this node's
/// share at its start; a smaller share applies at once, a larger one from the next window, so that the
/// nodes' allowances in one window never add up to more than the limit.
/// </summary>
internal sealed class SharedFixedWindow : SharedLimiter
{
    private readonly double _limit;
    private readonly long _window;
    private readonly Lock _lock = new();
    private long _current = -1;
    private long _count;
    private double _windowShare;

    public SharedFixedWindow(RateLimitPolicy policy, double share, TimeProvider time) : base(share, time)
    {
        _limit = policy.PermitLimit;
        _window = policy.Window!.Value.Ticks;
    }

    protected override TimeSpan ForgetAfter => TimeSpan.FromTicks(_window);

    protected override RateLimitLease TryAcquire(int permits, long now)
    {
        var share = Share;
        var index = now / _window;
        lock (_lock)
        {
            if (index != _current)
            {
                (_current, _count, _windowShare) = (index, 0, share);
            }

            if (_count + permits <= Allowance(_limit * Math.Min(share, _windowShare)))
            {
                _count += permits;
                return Granted;
            }
        }

        return Refused(TimeSpan.FromTicks(((index + 1) * _window) - now));
    }
}

/// <summary>
/// A window of segments aligned to the clock. The allowance is the limit times this node's share averaged
/// over the window's segments: the shares of all nodes add up to one in every segment, so their allowances
/// add up to the limit even while the share moves.
/// </summary>
internal sealed class SharedSlidingWindow : SharedLimiter
{
    private readonly double _limit;
    private readonly long _segment;
    private readonly long[] _counts;
    private readonly double[] _shares;
    private readonly Lock _lock = new();
    private long _current;
    private long _total;
    private double _shareSum;

    public SharedSlidingWindow(RateLimitPolicy policy, double share, TimeProvider time) : base(share, time)
    {
        _limit = policy.PermitLimit;
        var segments = policy.SegmentsPerWindow!.Value;
        _segment = Math.Max(1, policy.Window!.Value.Ticks / segments);
        _counts = new long[segments];
        _shares = Enumerable.Repeat(share, segments).ToArray();
        _shareSum = share * segments;
        _current = Now / _segment;
    }

    protected override TimeSpan ForgetAfter => TimeSpan.FromTicks(_segment * _counts.Length);

    protected override RateLimitLease TryAcquire(int permits, long now)
    {
        var share = Share;
        var index = now / _segment;
        var segments = _counts.Length;
        lock (_lock)
        {
            for (var i = Math.Max(_current + 1, index - segments + 1); i <= index; i++)
            {
                var slot = (int)(i % segments);
                _total -= _counts[slot];
                _counts[slot] = 0;
                _shareSum += share - _shares[slot];
                _shares[slot] = share;
            }

            _current = Math.Max(_current, index);
            var currentSlot = (int)(_current % segments);
            _shareSum += share - _shares[currentSlot];
            _shares[currentSlot] = share;

            if (_total + permits <= Allowance(_limit * _shareSum / segments))
            {
                _counts[currentSlot] += permits;
                _total += permits;
                return Granted;
            }

            // The oldest segment that holds admitted requests leaves the window first.
            for (var i = _current - segments + 1; i <= _current; i++)
            {
                if (i >= 0 && _counts[(int)(i % segments)] > 0)
                {
                    return Refused(TimeSpan.FromTicks(((i + segments) * _segment) - now));
                }
            }

            return Refused(TimeSpan.FromTicks(((_current + 1) * _segment) - now));
        }
    }
}

/// <summary>
/// Requests in flight at once, up to this node's share of the limit. A request holds its permit until
/// its lease is disposed.
/// </summary>
internal sealed class SharedConcurrency : SharedLimiter
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly double _limit;
    private readonly Action _release;
    private int _inFlight;

    public SharedConcurrency(RateLimitPolicy policy, double share, TimeProvider time) : base(share, time)
    {
        _limit = policy.PermitLimit;
        _release = () => Interlocked.Decrement(ref _inFlight);
    }

    public override int InFlight => Volatile.Read(ref _inFlight);

    protected override TimeSpan ForgetAfter => TimeSpan.FromSeconds(1);

    protected override RateLimitLease TryAcquire(int permits, long now)
    {
        var allowance = Allowance(_limit * Share);
        if (Interlocked.Add(ref _inFlight, permits) <= allowance)
        {
            return GrantedUntilDisposed(permits == 1 ? _release : () => Interlocked.Add(ref _inFlight, -permits));
        }

        Interlocked.Add(ref _inFlight, -permits);
        return Refused(RetryAfter); // nothing tells when a request in flight ends
    }
}
