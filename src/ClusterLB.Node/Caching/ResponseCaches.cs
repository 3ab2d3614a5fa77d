using System.Collections.Frozen;
using ClusterLB.Cluster.Caching;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Caching;

/// <summary>A route's cache: its policy and the store the policy's routes share on this node.</summary>
public sealed record RouteCache(string PolicyName, ResponseCachePolicy Policy, ResponseStore Store);

/// <summary>What the node's response caches did since it started, as <c>/admin/status</c> shows it.</summary>
public sealed record ResponseCacheStatus(long Hits, long Misses, long Revalidated, long StoredBytes, long Entries, long Evictions, long Purged);

/// <summary>
/// The response caches of this node: for each table it applies, which route uses which policy's
/// store. A policy that keeps its definition keeps its store (and what is in it); a changed or
/// removed one starts empty or goes. The request path reads an immutable map, never a lock here.
/// </summary>
public sealed class ResponseCaches : IAppliedTableObserver
{
    private volatile FrozenDictionary<string, RouteCache> _byRoute = FrozenDictionary<string, RouteCache>.Empty;
    private Dictionary<string, RouteCache> _byPolicy = new(StringComparer.Ordinal);
    private long _hits;
    private long _misses;
    private long _revalidated;
    private long _purged;
    private long _evictionsOfRetiredStores;

    /// <summary>The cache of route <paramref name="routeId"/>, when it names a table policy.</summary>
    public bool TryGet(string routeId, out RouteCache cache) => _byRoute.TryGetValue(routeId, out cache!);

    /// <inheritdoc />
    public void Applying(RoutingTable table)
    {
        var policies = table.Policies.OutputCache ?? new Dictionary<string, ResponseCachePolicy>();
        var byPolicy = new Dictionary<string, RouteCache>(StringComparer.Ordinal);
        foreach (var (name, policy) in policies)
        {
            byPolicy[name] = _byPolicy.TryGetValue(name, out var kept) && kept.Policy with { VaryByHeaders = null } == policy with { VaryByHeaders = null } && SameVary(kept.Policy, policy)
                ? kept
                : new RouteCache(name, policy, new ResponseStore(policy.MaxBytes ?? ResponseCachePolicy.DefaultMaxBytes));
        }

        foreach (var (name, retired) in _byPolicy)
        {
            if (!byPolicy.TryGetValue(name, out var now) || !ReferenceEquals(now.Store, retired.Store))
            {
                Interlocked.Add(ref _evictionsOfRetiredStores, retired.Store.Evictions);
            }
        }

        _byPolicy = byPolicy;
        _byRoute = table.Routes.Values
            .Where(r => r.OutputCachePolicy is { } name && byPolicy.ContainsKey(name))
            .ToFrozenDictionary(r => r.RouteId, r => byPolicy[r.OutputCachePolicy!], StringComparer.Ordinal);
    }

    /// <summary>Removes what <paramref name="purge"/> selects from every store; returns how many answers went.</summary>
    public int Purge(PurgeCache purge)
    {
        var removed = 0;
        foreach (var cache in _byPolicy.Values.ToList())
        {
            removed += cache.Store.Remove(entry =>
                (purge.RouteId is null || entry.RouteId == purge.RouteId)
                && (purge.PathPrefix is null || entry.Path.StartsWith(purge.PathPrefix, StringComparison.Ordinal)));
        }

        Interlocked.Add(ref _purged, removed);
        return removed;
    }

    /// <summary>Counts an answer served from a store.</summary>
    public void CountHit() => Interlocked.Increment(ref _hits);

    /// <summary>Counts a request the stores could not answer.</summary>
    public void CountMiss() => Interlocked.Increment(ref _misses);

    /// <summary>Counts a stale answer the backend confirmed with 304.</summary>
    public void CountRevalidated() => Interlocked.Increment(ref _revalidated);

    /// <summary>The counters and the stores' sizes now.</summary>
    public ResponseCacheStatus Status()
    {
        var stores = _byPolicy.Values.Select(c => c.Store).ToList();
        return new ResponseCacheStatus(
            Interlocked.Read(ref _hits),
            Interlocked.Read(ref _misses),
            Interlocked.Read(ref _revalidated),
            stores.Sum(s => s.Bytes),
            stores.Sum(s => (long)s.Count),
            stores.Sum(s => s.Evictions) + Interlocked.Read(ref _evictionsOfRetiredStores),
            Interlocked.Read(ref _purged));
    }

    private static bool SameVary(ResponseCachePolicy a, ResponseCachePolicy b) =>
        (a.VaryByHeaders ?? []).SequenceEqual(b.VaryByHeaders ?? [], StringComparer.OrdinalIgnoreCase);
}
