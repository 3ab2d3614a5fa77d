using System.Collections.Concurrent;
using ClusterLB.Core.Affinity;

namespace ClusterLB.Cluster.Affinity;

/// <summary>
/// This node's copy of the replicated override table, read by the proxy on every keyed request
/// without locks or waiting. The replicator actor keeps it in step with Distributed Data; the proxy
/// asks for changes through <see cref="Record"/>, <see cref="Refresh"/> and <see cref="Remove"/>,
/// which only send a message.
/// </summary>
public sealed class AffinityOverrides
{
    private readonly ConcurrentDictionary<OverrideKey, AffinityOverride> _entries = new();
    private Action<OverrideKey, AffinityOverride?, bool>? _changes;
    private readonly ConcurrentDictionary<string, long> _evictionsByCluster = new(StringComparer.Ordinal);
    private long _evictions;
    private volatile bool _loaded;

    /// <summary>Number of overrides this node holds.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Whether this node holds the cluster's table: it read every shard from the other members
    /// after joining, or it was the first member.
    /// </summary>
    public bool Loaded => _loaded;

    /// <summary>Overrides dropped because the table was full.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The override for a key of <paramref name="clusterId"/> hashing to <paramref name="keyHash"/>, if any and not expired.</summary>
    public bool TryGet(string clusterId, ulong keyHash, DateTimeOffset now, out AffinityOverride value) =>
        _entries.TryGetValue(new OverrideKey(clusterId, keyHash), out value!) && value.ExpiresAt > now;

    /// <summary>Asks the cluster to record that the key moved; visible here at once.</summary>
    public void Record(string clusterId, ulong keyHash, AffinityOverride value)
    {
        var key = new OverrideKey(clusterId, keyHash);
        if (_entries.TryGetValue(key, out var existing) && existing.DestinationId == value.DestinationId)
        {
            return;
        }

        _entries[key] = value;
        _changes?.Invoke(key, value, value.Returned);
    }

    /// <summary>
    /// Asks the cluster to record that the key's session came back to its override: the override is
    /// marked returned and its expiry moves to <paramref name="value"/>'s; visible here at once.
    /// </summary>
    public void Refresh(string clusterId, ulong keyHash, AffinityOverride value)
    {
        var key = new OverrideKey(clusterId, keyHash);
        _entries[key] = value;
        _changes?.Invoke(key, value, value.Returned);
    }

    /// <summary>Asks the cluster to forget the key's override (it is back home).</summary>
    public void Remove(string clusterId, ulong keyHash)
    {
        var key = new OverrideKey(clusterId, keyHash);
        if (_entries.TryRemove(key, out var removed))
        {
            _changes?.Invoke(key, null, removed.Returned);
        }
    }

    /// <summary>Receives each change the proxy asks for: the key, its new override (null: removed), and whether the key returned.</summary>
    internal void Connect(Action<OverrideKey, AffinityOverride?, bool> changes) => _changes = changes;

    /// <summary>Takes the replicated table's word for one key: its override, or none.</summary>
    internal void Apply(OverrideKey key, AffinityOverride? value)
    {
        if (value is null)
        {
            _entries.TryRemove(key, out _);
        }
        else
        {
            _entries[key] = value;
        }
    }

    internal void MarkLoaded() => _loaded = true;

    /// <summary>Overrides of <paramref name="clusterId"/> dropped because the table was full.</summary>
    public long EvictionsOf(string clusterId) => _evictionsByCluster.GetValueOrDefault(clusterId);

    /// <summary>Overrides held per cluster; walks the table, so for admin reads, not requests.</summary>
    public IReadOnlyDictionary<string, int> CountByCluster()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in _entries.Keys)
        {
            counts[key.ClusterId] = counts.GetValueOrDefault(key.ClusterId) + 1;
        }

        return counts;
    }

    internal void CountEvictions(IReadOnlyList<string> evictedClusters)
    {
        Interlocked.Add(ref _evictions, evictedClusters.Count);
        foreach (var clusterId in evictedClusters)
        {
            _evictionsByCluster.AddOrUpdate(clusterId, 1, static (_, count) => count + 1);
        }
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
