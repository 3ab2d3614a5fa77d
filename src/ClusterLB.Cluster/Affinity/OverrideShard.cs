using System.Buffers;
using Akka.DistributedData;

namespace ClusterLB.Cluster.Affinity;

/// <summary>
/// One override of a key, or its removal (<see cref="DestinationId"/> null), as replicated, and
/// whether the key's session came back after it was first moved (<see cref="Returned"/>). One
/// order ranks records both for a key (the winner) and for eviction (the lowest go first): returned
/// before not returned, then the later expiry (the later write, or the more recent use), then the
/// destination id. A key that returned keeps the mark on every later record this node writes for it
/// (<see cref="OverrideShard.With"/>), so its later moves and removals still win. Ranking a key's
/// winner and the eviction victims by one order keeps capped merges associative: a record the cap
/// drops is outranked by as many others as the cap holds, and so is every record it beat.
/// </summary>
public readonly record struct OverrideRecord(string ClusterId, ulong KeyHash, string? DestinationId, long ExpiresAtMs, bool Returned = false)
{
    /// <summary>The key this record is about.</summary>
    public OverrideKey Key => new(ClusterId, KeyHash);

    /// <summary>Orders records by key, the order a shard keeps them in.</summary>
    public static int CompareKeys(in OverrideRecord a, in OverrideRecord b)
    {
        var byCluster = string.CompareOrdinal(a.ClusterId, b.ClusterId);
        return byCluster != 0 ? byCluster : a.KeyHash.CompareTo(b.KeyHash);
    }

    /// <summary>Orders records by rank: returned first, then later expiry, then destination id.</summary>
    public static int CompareRank(in OverrideRecord a, in OverrideRecord b)
    {
        if (a.Returned != b.Returned)
        {
            return a.Returned ? 1 : -1;
        }

        return a.ExpiresAtMs != b.ExpiresAtMs
            ? a.ExpiresAtMs.CompareTo(b.ExpiresAtMs)
            : string.CompareOrdinal(a.DestinationId, b.DestinationId);
    }

    /// <summary>Of two records for the same key, the one every replica keeps.</summary>
    public static OverrideRecord Winner(in OverrideRecord a, in OverrideRecord b) => CompareRank(a, b) >= 0 ? a : b;
}

/// <summary>
/// One shard of the replicated override table: a conflict-free map from key to its highest-ranked
/// record (<see cref="OverrideRecord.CompareRank"/>), capped at <see cref="Cap"/> records (the
/// lowest-ranked are evicted: keys seen once before keys that returned, least recently used first),
/// with expired records dropped. Records are kept sorted by key, so equal shards serialize to equal
/// bytes on every node and Distributed Data's gossip digests settle once replicas agree. Updates
/// carry only the changed records as a delta.
/// </summary>
public sealed class OverrideShard : IDeltaReplicatedData<OverrideShard, OverrideShard>, IReplicatedDelta, IReplicatedDeltaSize, IReplicatedDataSerialization, IEquatable<OverrideShard>
{
    private readonly OverrideRecord[] _records;
    private int _live = -1; // counted on first use; the records never change

    private OverrideShard(OverrideRecord[] sortedRecords, int cap, OverrideShard? delta)
    {
        _records = sortedRecords;
        Cap = cap;
        Delta = delta;
    }

    /// <summary>An empty shard that keeps at most <paramref name="cap"/> records.</summary>
    public static OverrideShard Empty(int cap) => new([], cap, null);

    /// <summary>Reads a shard back from its records (any order).</summary>
    public static OverrideShard FromRecords(IEnumerable<OverrideRecord> records, int cap) =>
        new(Combine(Sorted(records), [], cap, long.MinValue, out _), cap, null);

    /// <summary>The most records this shard keeps.</summary>
    public int Cap { get; }

    /// <summary>The records, sorted by key.</summary>
    public ReadOnlySpan<OverrideRecord> Records => _records;

    /// <summary>Number of records, removals included.</summary>
    public int Count => _records.Length;

    /// <summary>Number of records that move a key (removals left out, expired ones counted until swept).</summary>
    public int Live
    {
        get
        {
            if (_live < 0)
            {
                var live = 0;
                foreach (var record in _records)
                {
                    live += record.DestinationId is null ? 0 : 1;
                }

                _live = live;
            }

            return _live;
        }
    }

    /// <summary>The records changed since the last <see cref="ResetDelta"/>; null when none.</summary>
    public OverrideShard? Delta { get; }

    OverrideShard IDeltaReplicatedData<OverrideShard, OverrideShard>.Delta => Delta!;

    IReplicatedDelta IDeltaReplicatedData.Delta => Delta!;

    int IReplicatedDeltaSize.DeltaSize => _records.Length;

    IDeltaReplicatedData IReplicatedDelta.Zero => Empty(int.MaxValue);

    /// <summary>
    /// This shard with <paramref name="changes"/> applied at <paramref name="nowMs"/>, keeping at most
    /// <paramref name="cap"/> records; the number of records the cap evicted is returned in
    /// <paramref name="evicted"/>, and the cluster of each evicted record is added to <paramref name="evictedClusters"/> when given.
    /// A change to a key whose held record is marked
    /// <see cref="OverrideRecord.Returned"/> keeps the mark. The result's <see cref="Delta"/> holds the changes.
    /// </summary>
    public OverrideShard With(IReadOnlyCollection<OverrideRecord> changes, int cap, long nowMs, out int evicted, List<string>? evictedClusters = null)
    {
        var sortedChanges = Sorted(changes);
        for (var i = 0; i < sortedChanges.Length; i++)
        {
            if (!sortedChanges[i].Returned && TryFind(sortedChanges[i].Key, out var held) && held.Returned && held.ExpiresAtMs > nowMs)
            {
                sortedChanges[i] = sortedChanges[i] with { Returned = true };
            }
        }

        var delta = new OverrideShard(Combine(Delta is null ? [] : Delta._records, sortedChanges, cap, nowMs, out _), cap, null);
        return new OverrideShard(Combine(_records, sortedChanges, cap, nowMs, out evicted, evictedClusters), cap, delta);
    }

    /// <summary>This shard without the records that expired by <paramref name="nowMs"/>.</summary>
    public OverrideShard WithoutExpired(long nowMs) => new(Combine(_records, [], Cap, nowMs, out _), Cap, null);

    /// <inheritdoc />
    public OverrideShard Merge(OverrideShard other) =>
        new(Combine(_records, other._records, Math.Min(Cap, other.Cap), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out _), Math.Min(Cap, other.Cap), null);

    /// <inheritdoc />
    public IReplicatedData Merge(IReplicatedData other) => Merge((OverrideShard)other);

    /// <inheritdoc />
    public OverrideShard MergeDelta(OverrideShard delta) => Merge(delta);

    /// <inheritdoc />
    public IReplicatedData MergeDelta(IReplicatedDelta delta) => Merge((OverrideShard)delta);

    /// <inheritdoc />
    public OverrideShard ResetDelta() => Delta is null ? this : new OverrideShard(_records, Cap, null);

    IReplicatedData IDeltaReplicatedData.ResetDelta() => ResetDelta();

    /// <summary>The record for <paramref name="key"/>, if this shard holds one.</summary>
    public bool TryFind(OverrideKey key, out OverrideRecord record)
    {
        var probe = new OverrideRecord(key.ClusterId, key.KeyHash, null, 0);
        int low = 0, high = _records.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var order = OverrideRecord.CompareKeys(_records[middle], probe);
            if (order == 0)
            {
                record = _records[middle];
                return true;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        record = default;
        return false;
    }

    /// <inheritdoc />
    public bool Equals(OverrideShard? other) =>
        other is not null && Cap == other.Cap && _records.AsSpan().SequenceEqual(other._records);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as OverrideShard);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Cap, _records.Length, _records.Length > 0 ? _records[0].KeyHash : 0);

    /// <inheritdoc />
    public override string ToString() => $"OverrideShard({_records.Length} records, cap {Cap})";

    // Merges two key-sorted runs in one pass: the per-key winner is kept, expired records are
    // dropped, and over the cap the lowest-ranked records go (keys seen once, least recently used first).
    private static OverrideRecord[] Combine(
        ReadOnlySpan<OverrideRecord> a, ReadOnlySpan<OverrideRecord> b, int cap, long nowMs, out int evicted, List<string>? evictedClusters = null)
    {
        var buffer = ArrayPool<OverrideRecord>.Shared.Rent(Math.Max(1, a.Length + b.Length));
        try
        {
            var count = 0;
            int i = 0, j = 0;
            while (i < a.Length || j < b.Length)
            {
                var record = j == b.Length || (i < a.Length && OverrideRecord.CompareKeys(a[i], b[j]) <= 0) ? a[i++] : b[j++];
                if (record.ExpiresAtMs <= nowMs)
                {
                    continue;
                }

                if (count > 0 && OverrideRecord.CompareKeys(buffer[count - 1], record) == 0)
                {
                    buffer[count - 1] = OverrideRecord.Winner(buffer[count - 1], record);
                }
                else
                {
                    buffer[count++] = record;
                }
            }

            var kept = buffer.AsSpan(0, count);
            evicted = Math.Max(0, count - cap);
            if (evicted > 0)
            {
                // Highest rank first, ties broken by key, so that every replica evicts the same records.
                kept.Sort(static (x, y) => OverrideRecord.CompareRank(y, x) is var byRank and not 0 ? byRank : OverrideRecord.CompareKeys(x, y));
                foreach (var dropped in kept[cap..])
                {
                    evictedClusters?.Add(dropped.ClusterId);
                }

                kept = kept[..cap];
                kept.Sort(static (x, y) => OverrideRecord.CompareKeys(x, y));
            }

            return kept.ToArray();
        }
        finally
        {
            ArrayPool<OverrideRecord>.Shared.Return(buffer, clearArray: true);
        }
    }

    private static OverrideRecord[] Sorted(IEnumerable<OverrideRecord> records)
    {
        var array = records.ToArray();
        Array.Sort(array, static (x, y) => OverrideRecord.CompareKeys(x, y));
        return array;
    }
}

/// <summary>The Distributed Data key of one override shard.</summary>
public sealed class OverrideShardKey(string id) : Key<OverrideShard>(id);
