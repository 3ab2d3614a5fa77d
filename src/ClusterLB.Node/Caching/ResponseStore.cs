namespace ClusterLB.Node.Caching;

/// <summary>
/// The stored answers of one cache policy on this node, bounded in bytes: the least recently used
/// go first. Thread-safe; each operation holds a short lock and never waits on anything else.
/// </summary>
public sealed class ResponseStore(long maxBytes)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, CachedResponse Entry)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, CachedResponse Entry)> _recency = new();
    private readonly Dictionary<string, string[]> _varyByPrimaryKey = new(StringComparer.Ordinal);
    private long _bytes;
    private long _evictions;

    /// <summary>The bound, in bytes.</summary>
    public long MaxBytes { get; } = maxBytes;

    /// <summary>Bytes stored now.</summary>
    public long Bytes
    {
        get { lock (_lock) { return _bytes; } }
    }

    /// <summary>Entries stored now.</summary>
    public int Count
    {
        get { lock (_lock) { return _entries.Count; } }
    }

    /// <summary>Entries removed to make room since the store was created.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The request headers whose values keyed the answers stored under <paramref name="primaryKey"/> (the backend's <c>Vary</c>).</summary>
    public string[] VaryFor(string primaryKey)
    {
        lock (_lock)
        {
            return _varyByPrimaryKey.TryGetValue(primaryKey, out var names) ? names : [];
        }
    }

    /// <summary>The entry stored under <paramref name="key"/>, marked as just used.</summary>
    public bool TryGet(string key, out CachedResponse entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                entry = node.Value.Entry;
                return true;
            }
        }

        entry = null!;
        return false;
    }

    /// <summary>Stores <paramref name="entry"/> under <paramref name="key"/>, evicting the least recently used to stay within the bound.</summary>
    public void Set(string primaryKey, string[] vary, string key, CachedResponse entry)
    {
        if (entry.Size > MaxBytes)
        {
            return;
        }

        lock (_lock)
        {
            RemoveLocked(key);
            _varyByPrimaryKey[primaryKey] = vary;
            _entries[key] = _recency.AddFirst((key, entry));
            _bytes += entry.Size;
            while (_bytes > MaxBytes && _recency.Last is { } last)
            {
                RemoveLocked(last.Value.Key);
                Interlocked.Increment(ref _evictions);
            }
        }
    }

    /// <summary>Removes every entry <paramref name="matches"/> selects; returns how many.</summary>
    public int Remove(Func<CachedResponse, bool> matches)
    {
        lock (_lock)
        {
            var keys = _entries.Where(e => matches(e.Value.Value.Entry)).Select(e => e.Key).ToList();
            foreach (var key in keys)
            {
                RemoveLocked(key);
            }

            return keys.Count;
        }
    }

    private void RemoveLocked(string key)
    {
        if (_entries.Remove(key, out var node))
        {
            _recency.Remove(node);
            _bytes -= node.Value.Entry.Size;
        }
    }
}
