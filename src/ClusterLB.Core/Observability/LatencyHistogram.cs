using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterLB.Core.Observability;

/// <summary>
/// Counts of requests per <see cref="LatencyBuckets"/> bucket, kept sparse for the wire: only
/// buckets with requests, as pairs of bucket index and count in bucket order. Histograms of any
/// nodes and seconds merge by adding counts, so cluster-wide percentiles are exact to a bucket.
/// </summary>
/// <param name="Buckets">Bucket index, count, bucket index, count ... ordered by index.</param>
[JsonConverter(typeof(LatencyHistogramJsonConverter))]
public sealed record LatencyHistogram(IReadOnlyList<long> Buckets)
{
    /// <summary>No requests.</summary>
    public static LatencyHistogram Empty { get; } = new([]);

    /// <summary>Requests counted.</summary>
    public long Total
    {
        get
        {
            var total = 0L;
            for (var i = 1; i < Buckets.Count; i += 2)
            {
                total += Buckets[i];
            }

            return total;
        }
    }

    /// <summary>The sparse form of dense per-bucket <paramref name="counts"/>.</summary>
    public static LatencyHistogram FromCounts(ReadOnlySpan<long> counts)
    {
        var pairs = new List<long>();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                pairs.Add(i);
                pairs.Add(counts[i]);
            }
        }

        return pairs.Count == 0 ? Empty : new LatencyHistogram(pairs);
    }

    /// <summary>Adds this histogram's counts to the dense <paramref name="counts"/>.</summary>
    public void AddTo(Span<long> counts)
    {
        for (var i = 0; i + 1 < Buckets.Count; i += 2)
        {
            var bucket = (int)Buckets[i];
            if (bucket >= 0 && bucket < counts.Length)
            {
                counts[bucket] += Buckets[i + 1];
            }
        }
    }

    /// <summary>The sum of <paramref name="histograms"/>.</summary>
    public static LatencyHistogram Merge(IEnumerable<LatencyHistogram> histograms)
    {
        Span<long> counts = stackalloc long[LatencyBuckets.Count];
        foreach (var histogram in histograms)
        {
            histogram.AddTo(counts);
        }

        return FromCounts(counts);
    }

    /// <summary>
    /// The latency in milliseconds below which <paramref name="quantile"/> (0..1) of the requests
    /// finished, read at the middle of its bucket; null without requests.
    /// </summary>
    public double? Percentile(double quantile)
    {
        var total = Total;
        if (total == 0)
        {
            return null;
        }

        // The rank of the request that the quantile names, 1-based: p50 of 2 requests is the first.
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        var seen = 0L;
        for (var i = 0; i + 1 < Buckets.Count; i += 2)
        {
            seen += Buckets[i + 1];
            if (seen >= rank)
            {
                return LatencyBuckets.MiddleMs((int)Buckets[i]);
            }
        }

        return LatencyBuckets.MiddleMs((int)Buckets[^2]);
    }
}

/// <summary>
/// A histogram travels in every member report once a second, per busy destination, so its JSON form
/// is compact: one base64 string of variable-length integers, each bucket as the gap from the
/// previous bucket's index and its count (about 3 bytes a bucket instead of 10 as a JSON array).
/// </summary>
public sealed class LatencyHistogramJsonConverter : JsonConverter<LatencyHistogram>
{
    /// <inheritdoc />
    public override LatencyHistogram Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var bytes = reader.GetBytesFromBase64();
        var pairs = new List<long>();
        var position = 0;
        var index = -1L;
        while (position < bytes.Length)
        {
            index += ReadVarint(bytes, ref position) + 1;
            pairs.Add(index);
            pairs.Add(ReadVarint(bytes, ref position));
        }

        return pairs.Count == 0 ? LatencyHistogram.Empty : new LatencyHistogram(pairs);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, LatencyHistogram value, JsonSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(value.Buckets.Count * 3 + 1);
        var previous = -1L;
        for (var i = 0; i + 1 < value.Buckets.Count; i += 2)
        {
            WriteVarint(buffer, (ulong)(value.Buckets[i] - previous - 1));
            WriteVarint(buffer, (ulong)value.Buckets[i + 1]);
            previous = value.Buckets[i];
        }

        writer.WriteBase64StringValue(buffer.WrittenSpan);
    }

    private static void WriteVarint(ArrayBufferWriter<byte> buffer, ulong value)
    {
        var span = buffer.GetSpan(10);
        var length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[length++] = (byte)value;
        buffer.Advance(length);
    }

    private static long ReadVarint(byte[] bytes, ref int position)
    {
        var value = 0UL;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length)
            {
                throw new JsonException("A latency histogram ends inside a number.");
            }

            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return (long)value;
            }
        }

        throw new JsonException("A latency histogram holds a number longer than 64 bits.");
    }
}
