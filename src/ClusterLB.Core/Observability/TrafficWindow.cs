namespace ClusterLB.Core.Observability;

/// <summary>
/// Requests, errors and latencies over the last few whole seconds, recorded by the proxy on every
/// request with a few interlocked increments and no allocation. One slot per second in a ring; the
/// first request of a new second takes the oldest slot and clears it. Requests recorded by other
/// threads in the instant the slot is cleared may be lost: at most a handful per second boundary.
/// Read by the member report once per second, as a <see cref="TrafficSummary"/> of the complete
/// seconds only, so a reading does not depend on how far into the current second it is made.
/// </summary>
public sealed class TrafficWindow
{
    /// <summary>The window used unless told otherwise: the last 10 complete seconds.</summary>
    public const int DefaultSeconds = 10;

    private readonly Slot[] _slots;

    /// <summary>A window over the last <paramref name="seconds"/> complete seconds.</summary>
    public TrafficWindow(int seconds = DefaultSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        Seconds = seconds;
        _slots = new Slot[seconds + 1];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot();
        }
    }

    /// <summary>Complete seconds a summary covers.</summary>
    public int Seconds { get; }

    /// <summary>Records one request that finished in <paramref name="second"/> (any monotonic second count) after <paramref name="microseconds"/>.</summary>
    public void Record(long second, long microseconds, bool error)
    {
        var slot = _slots[second % _slots.Length];
        var current = Volatile.Read(ref slot.Second);
        if (current != second)
        {
            if (current > second || Interlocked.CompareExchange(ref slot.Second, second, current) != current)
            {
                // A thread stalled across a boundary, or another one is taking the slot over.
                if (Volatile.Read(ref slot.Second) != second)
                {
                    return;
                }
            }
            else
            {
                Interlocked.Exchange(ref slot.Requests, 0);
                Interlocked.Exchange(ref slot.Errors, 0);
                Array.Clear(slot.Buckets);
            }
        }

        Interlocked.Increment(ref slot.Requests);
        if (error)
        {
            Interlocked.Increment(ref slot.Errors);
        }

        Interlocked.Increment(ref slot.Buckets[LatencyBuckets.Of(microseconds)]);
    }

    /// <summary>The requests of the <see cref="Seconds"/> complete seconds before <paramref name="second"/>.</summary>
    public TrafficSummary Summary(long second)
    {
        var requests = 0L;
        var errors = 0L;
        long[]? counts = null;
        foreach (var slot in _slots)
        {
            var at = Volatile.Read(ref slot.Second);
            if (at >= second || at < second - Seconds)
            {
                continue;
            }

            var slotRequests = Interlocked.Read(ref slot.Requests);
            if (slotRequests == 0)
            {
                continue;
            }

            requests += slotRequests;
            errors += Interlocked.Read(ref slot.Errors);
            counts ??= new long[LatencyBuckets.Count];
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] += Volatile.Read(ref slot.Buckets[i]);
            }
        }

        return requests == 0 ? TrafficSummary.Empty : new TrafficSummary(requests, errors, LatencyHistogram.FromCounts(counts));
    }

    /// <summary>Whether nothing was recorded in the window before <paramref name="second"/> nor in it.</summary>
    public bool IdleAt(long second)
    {
        foreach (var slot in _slots)
        {
            if (Volatile.Read(ref slot.Second) >= second - Seconds && Interlocked.Read(ref slot.Requests) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Slot
    {
        public long Second = -1;
        public long Requests;
        public long Errors;
        public readonly int[] Buckets = new int[LatencyBuckets.Count];
    }
}
