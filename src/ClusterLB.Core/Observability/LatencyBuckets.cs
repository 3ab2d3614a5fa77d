using System.Numerics;

namespace ClusterLB.Core.Observability;

/// <summary>
/// The fixed log-scale latency buckets every node counts in, so that histograms from different nodes
/// and seconds merge by adding counts. Latencies are counted in microseconds: below 8 µs one bucket per
/// microsecond, above it eight buckets per doubling, so a bucket is at most 1/8 of its lower bound
/// wide and a percentile read at the bucket's middle is within ±6.25 % of the true value. The last
/// bucket takes everything from about 2 minutes up.
/// </summary>
public static class LatencyBuckets
{
    private const int SubBucketBits = 3;
    private const int SubBuckets = 1 << SubBucketBits;

    /// <summary>Number of buckets.</summary>
    public const int Count = 200;

    /// <summary>The widest relative error of a percentile read at a bucket's middle.</summary>
    public const double RelativeError = 0.5 / SubBuckets;

    /// <summary>The bucket of a latency of <paramref name="microseconds"/>.</summary>
    public static int Of(long microseconds)
    {
        if (microseconds < SubBuckets)
        {
            return microseconds < 0 ? 0 : (int)microseconds;
        }

        var exponent = BitOperations.Log2((ulong)microseconds);
        var index = ((exponent - SubBucketBits + 1) << SubBucketBits) + (int)((microseconds >> (exponent - SubBucketBits)) & (SubBuckets - 1));
        return index < Count ? index : Count - 1;
    }

    /// <summary>The smallest latency, in microseconds, that falls in <paramref name="bucket"/>.</summary>
    public static long LowerBound(int bucket)
    {
        if (bucket < SubBuckets)
        {
            return bucket;
        }

        var exponent = (bucket >> SubBucketBits) + SubBucketBits - 1;
        return (1L << exponent) + ((long)(bucket & (SubBuckets - 1)) << (exponent - SubBucketBits));
    }

    /// <summary>The first latency, in microseconds, above <paramref name="bucket"/>.</summary>
    public static long UpperBound(int bucket) => bucket + 1 < Count ? LowerBound(bucket + 1) : LowerBound(bucket) * 2;

    /// <summary>The latency, in milliseconds, that a reading from <paramref name="bucket"/> stands for: its middle.</summary>
    public static double MiddleMs(int bucket) => (LowerBound(bucket) + UpperBound(bucket)) / 2.0 / 1000.0;
}
