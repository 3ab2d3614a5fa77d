using System.Collections.Concurrent;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;

namespace ClusterLB.Cluster.Affinity;

/// <summary>
/// This node's view of the replicated override table, read by the proxy on every keyed request
/// without locks or waiting. It reads the replicated shards themselves (the replicator actor hands
/// over each new shard as Distributed Data delivers it), so an override costs a node its ~40-byte
/// record and nothing more. Changes the proxy asks for through <see cref="Record"/>,
/// <see cref="Refresh"/> and <see cref="Remove"/> are visible here at once: they sit in a small
/// table of this node's unwritten changes until the replicator has written them into their shard.
/// </summary>
public sealed class AffinityOverrides
{
    private readonly OverrideShard?[] _shards;
    private long _live; // records with a destination, over all shards
    // This node's changes that its shards do not show yet (null: removed). Holds only what the
    // proxy changed since the replicator's last write of the shard: up to ShardWriteInterval.
    private readonly ConcurrentDictionary<OverrideKey, AffinityOverride?> _unwritten = new();
    private Action<OverrideKey, AffinityOverride?, bool>? _changes;
    private readonly ConcurrentDictionary<string, long> _evictionsByCluster = new(StringComparer.Ordinal);
    private long _evictions;
    private volatile bool _loaded;

    /// <summary>A view of a table spread over <see cref="AffinitySettings.Shards"/> shards.</summary>
    public AffinityOverrides(AffinitySettings settings) => _shards = new OverrideShard?[settings.Shards];

    /// <summary>Number of overrides this node holds (expired ones until they are swept).</summary>
    public int Count
    {
        get
        {
            var count = Interlocked.Read(ref _live);
            foreach (var (key, value) in _unwritten)
            {
                count += (value is null ? 0 : 1) - (FromShard(key, long.MinValue, out _) ? 1 : 0);
            }

            return (int)count;
        }
    }

    /// <summary>
    /// Whether this node holds the cluster's table: it read every shard from the other members
    /// after joining, or it was the first member.
    /// </summary>
    public bool Loaded => _loaded;

    /// <summary>Overrides dropped because the table was full.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The shard an override key lives in, of <paramref name="shards"/>.</summary>
    public static int ShardOf(OverrideKey key, int shards) => (int)(StableHash.Combine(key.KeyHash, StableHash.Of(key.ClusterId)) % (ulong)shards);

    /// <summary>The override for a key of <paramref name="clusterId"/> hashing to <paramref name="keyHash"/>, if any and not expired.</summary>
    public bool TryGet(string clusterId, ulong keyHash, DateTimeOffset now, out AffinityOverride value)
    {
        var key = new OverrideKey(clusterId, keyHash);
        if (_unwritten.TryGetValue(key, out var unwritten))
        {
            value = unwritten.GetValueOrDefault();
            return unwritten is { } live && live.ExpiresAt > now;
        }

        return FromShard(key, now.ToUnixTimeMilliseconds(), out value);
    }

    /// <summary>Asks the cluster to record that the key moved; visible here at once.</summary>
    public void Record(string clusterId, ulong keyHash, AffinityOverride value)
    {
        var key = new OverrideKey(clusterId, keyHash);
        if (Held(key, out var existing) && existing.DestinationId == value.DestinationId)
        {
            return;
        }

        _unwritten[key] = value;
        _changes?.Invoke(key, value, value.Returned);
    }

    /// <summary>
    /// Asks the cluster to record that the key's session came back to its override: the override is
    /// marked returned and its expiry moves to <paramref name="value"/>'s; visible here at once.
    /// </summary>
    public void Refresh(string clusterId, ulong keyHash, AffinityOverride value)
    {
        var key = new OverrideKey(clusterId, keyHash);
        _unwritten[key] = value;
        _changes?.Invoke(key, value, value.Returned);
    }

    /// <summary>Asks the cluster to forget the key's override (it is back home).</summary>
    public void Remove(string clusterId, ulong keyHash)
    {
        var key = new OverrideKey(clusterId, keyHash);
        if (Held(key, out var removed))
        {
            _unwritten[key] = null;
            _changes?.Invoke(key, null, removed.Returned);
        }
    }

    /// <summary>Overrides of <paramref name="clusterId"/> dropped because the table was full.</summary>
    public long EvictionsOf(string clusterId) => _evictionsByCluster.GetValueOrDefault(clusterId);

    /// <summary>Overrides held per cluster; walks the table, so for admin reads, not requests.</summary>
    public IReadOnlyDictionary<string, int> CountByCluster()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var shard in _shards)
        {
            foreach (var record in shard is null ? [] : shard.Records)
            {
                if (record.DestinationId is not null)
                {
                    counts[record.ClusterId] = counts.GetValueOrDefault(record.ClusterId) + 1;
                }
            }
        }

        foreach (var (key, value) in _unwritten)
        {
            var change = (value is null ? 0 : 1) - (FromShard(key, long.MinValue, out _) ? 1 : 0);
            if (change != 0)
            {
                counts[key.ClusterId] = counts.GetValueOrDefault(key.ClusterId) + change;
            }
        }

        return counts;
    }

    /// <summary>Receives each change the proxy asks for: the key, its new override (null: removed), and whether the key returned.</summary>
    internal void Connect(Action<OverrideKey, AffinityOverride?, bool> changes) => _changes = changes;

    /// <summary>Takes <paramref name="now"/> as shard <paramref name="index"/>'s content. Called by the replicator only.</summary>
    internal void Take(int index, OverrideShard now)
    {
        var before = _shards[index];
        Volatile.Write(ref _shards[index], now);
        Interlocked.Add(ref _live, now.Live - (before?.Live ?? 0));
    }

    /// <summary>
    /// The replicator wrote <paramref name="written"/> for <paramref name="key"/> into a shard this
    /// view has taken: from now on the shard speaks for the key, unless the proxy changed it again.
    /// </summary>
    internal void Settle(OverrideKey key, AffinityOverride? written) => _unwritten.TryRemove(KeyValuePair.Create(key, written));

    internal void MarkLoaded() => _loaded = true;

    internal void CountEvictions(IReadOnlyList<string> evictedClusters)
    {
        Interlocked.Add(ref _evictions, evictedClusters.Count);
        foreach (var clusterId in evictedClusters)
        {
            _evictionsByCluster.AddOrUpdate(clusterId, 1, static (_, count) => count + 1);
        }
    }

    // What this node holds for the key, expired or not: its unwritten change, else its shard's record.
    private bool Held(OverrideKey key, out AffinityOverride value)
    {
        if (_unwritten.TryGetValue(key, out var unwritten))
        {
            value = unwritten.GetValueOrDefault();
            return unwritten is not null;
        }

        return FromShard(key, long.MinValue, out value);
    }

    private bool FromShard(OverrideKey key, long nowMs, out AffinityOverride value)
    {
        if (Volatile.Read(ref _shards[ShardOf(key, _shards.Length)]) is { } shard
            && shard.TryFind(key, out var record) && record.DestinationId is { } destination && record.ExpiresAtMs > nowMs)
        {
            value = new AffinityOverride(key.ClusterId, destination, DateTimeOffset.FromUnixTimeMilliseconds(record.ExpiresAtMs), record.Returned);
            return true;
        }

        value = default;
        return false;
    }
}

/// <summary>Identifies an override: the cluster and the 64-bit hash of the affinity key.</summary>
public readonly record struct OverrideKey(string ClusterId, ulong KeyHash)
{
    /// <summary>The string form used as the Distributed Data map key.</summary>
    public override string ToString() => $"{ClusterId}/{KeyHash:x16}";

    /// <summary>Reads <see cref="ToString"/>'s form back.</summary>
    public static OverrideKey Parse(string text)
    {
        var slash = text.LastIndexOf('/');
        return new OverrideKey(text[..slash], ulong.Parse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.HexNumber));
    }
}
