using System.Runtime.CompilerServices;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Observability;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.SessionAffinity;

namespace ClusterLB.Node.Affinity;

/// <summary>
/// Key-based session affinity: the destination comes from rendezvous hashing of a key the client
/// carries anyway (a header, a cookie the backend set, a query value, the client IP) over the
/// cluster's configured destinations, so every node agrees with no shared state. When the chosen
/// destination is unavailable the key moves to the next in its ranking, the same on every node, and
/// the move is recorded in the replicated override table so it does not bounce back. The key comes
/// from the client, so the table is guarded against invented keys: a key longer than
/// <see cref="AffinitySettings.MaxKeyLength"/> is routed by its hash but never recorded, and a session
/// that comes back to its override marks it as returned (then refreshes it at most once per
/// <see cref="AffinitySettings.OverrideRefreshInterval"/>), which protects it from eviction by keys
/// seen only once.
/// </summary>
internal sealed class KeyedAffinityPolicy(
    string name, RequestKeyKind source, AffinityOverrides overrides, AffinitySettings settings, TimeProvider time, ProxyMetrics? metrics = null)
    : ISessionAffinityPolicy
{
    private static readonly ConditionalWeakTable<ClusterModel, DestinationRanking> Rankings = new();

    public string Name => name;

    public void AffinitizeResponse(HttpContext context, ClusterState cluster, SessionAffinityConfig config, DestinationState destination)
    {
        // Nothing to set: the client already carries the key.
    }

    /// <summary>
    /// Builds the cluster's destination ranking (and Maglev table) now, so that the first keyed
    /// request after a configuration change does not pay for it.
    /// </summary>
    public static void Prepare(ClusterModel model) => RankingOf(model);

    private static DestinationRanking RankingOf(ClusterModel model) => Rankings.GetValue(model, static m => new DestinationRanking(m));

    /// <summary>Whether the ranking of <paramref name="model"/> is built already.</summary>
    internal static bool IsPrepared(ClusterModel model) => Rankings.TryGetValue(model, out _);

    public AffinityResult FindAffinitizedDestinations(HttpContext context, ClusterState cluster, SessionAffinityConfig config, IReadOnlyList<DestinationState> destinations)
    {
        if (!RequestKeys.TryHash(context, new RequestKeySource(source, config.AffinityKeyName), settings.MaxKeyLength, out var keyHash, out var recordable))
        {
            metrics?.AffinityMissed(cluster.ClusterId, AffinityMissReason.NoKey);
            return new AffinityResult(null, AffinityStatus.AffinityKeyNotSet);
        }

        var ranking = RankingOf(cluster.Model);
        if (ranking.Count == 0)
        {
            return new AffinityResult(null, AffinityStatus.DestinationNotFound);
        }

        Span<bool> available = stackalloc bool[ranking.Count];
        // A for loop: foreach over the interface would allocate an enumerator on every request.
        for (var d = 0; d < destinations.Count; d++)
        {
            if (ranking.IndexOf(destinations[d]) is var i and >= 0)
            {
                available[i] = true;
            }
        }

        var now = time.GetUtcNow();
        var clusterId = cluster.ClusterId;
        var found = overrides.TryGet(clusterId, keyHash, now, out var existing);
        var overrideIndex = found ? ranking.IndexOf(existing.DestinationId) : -1;
        var home = ranking.Home(keyHash);
        if (settings.ReturnHomeOnRecovery && overrideIndex >= 0 && available[home])
        {
            overrideIndex = -1;
        }

        var decision = KeyedAffinity.Decide(keyHash, ranking.Hashes, available, overrideIndex, home);
        if (decision.Index < 0)
        {
            metrics?.AffinityMissed(clusterId, AffinityMissReason.NoDestination);
            return new AffinityResult(null, AffinityStatus.DestinationNotFound);
        }

        if (decision.Change == OverrideChange.Record)
        {
            metrics?.AffinityMissed(clusterId, AffinityMissReason.Moved);
        }
        else
        {
            metrics?.AffinityHit(clusterId, decision.Index == overrideIndex ? AffinityHitVia.Override : AffinityHitVia.Home);
        }

        if (decision.Change == OverrideChange.Record)
        {
            // A key that held an override came back: its new move stays protected.
            if (recordable)
            {
                overrides.Record(clusterId, keyHash, new AffinityOverride(clusterId, ranking.Ids[decision.Index], now + settings.OverrideTtl, Returned: found));
            }
        }
        else if (decision.Index == overrideIndex && overrideIndex >= 0)
        {
            // The session came back to its override: mark it, or refresh it when due. Cheap when
            // neither: two comparisons, no allocation, no message.
            if (!existing.Returned || existing.ExpiresAt - now <= settings.OverrideTtl - settings.OverrideRefreshInterval)
            {
                overrides.Refresh(clusterId, keyHash, existing with { ExpiresAt = now + settings.OverrideTtl, Returned = true });
            }
        }
        else if (decision.Change == OverrideChange.Remove || (overrideIndex < 0 && found))
        {
            overrides.Remove(clusterId, keyHash);
        }

        return cluster.Destinations.TryGetValue(ranking.Ids[decision.Index], out var chosen)
            ? new AffinityResult(ranking.Single(decision.Index, chosen), AffinityStatus.OK)
            : new AffinityResult(null, AffinityStatus.DestinationNotFound);
    }

    /// <summary>A cluster's configured destinations in a fixed order, with their hashes; built once per cluster model.</summary>
    private sealed class DestinationRanking
    {
        private readonly Dictionary<string, int> _indexById;
        private readonly DestinationState[]?[] _singles;
        private volatile Dictionary<DestinationState, int> _indexByState = new(ReferenceEqualityComparer.Instance);

        public DestinationRanking(ClusterModel model)
        {
            Ids = model.Config.Destinations?.Keys.Order(StringComparer.Ordinal).ToArray() ?? [];
            Hashes = Ids.Select(id => StableHash.Of(id)).ToArray();
            _indexById = Ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
            _singles = new DestinationState[]?[Ids.Length];
            _maglev = model.Config.Metadata?.GetValueOrDefault(KeyHashingAlgorithms.MetadataKey) is { } hashing
                && string.Equals(hashing, KeyHashingAlgorithms.Maglev, StringComparison.OrdinalIgnoreCase)
                    ? MaglevTable.Build(Hashes)
                    : null;
        }

        private readonly MaglevTable? _maglev;

        public string[] Ids { get; }

        public ulong[] Hashes { get; }

        public int Count => Ids.Length;

        /// <summary>The key's home among the configured destinations.</summary>
        public int Home(ulong keyHash) => _maglev?.Lookup(keyHash) ?? KeyedAffinity.Pick(keyHash, Hashes, default);

        // By reference first (YARP keeps one state object per destination): cheaper than hashing the id.
        public int IndexOf(DestinationState destination)
        {
            if (_indexByState.TryGetValue(destination, out var index))
            {
                return index;
            }

            index = IndexOf(destination.DestinationId);
            if (index >= 0)
            {
                _indexByState = new Dictionary<DestinationState, int>(_indexByState, ReferenceEqualityComparer.Instance) { [destination] = index };
            }

            return index;
        }

        public int IndexOf(string destinationId) => _indexById.TryGetValue(destinationId, out var i) ? i : -1;

        // One cached one-element list per destination, so a keyed request allocates none for its result.
        public IReadOnlyList<DestinationState> Single(int index, DestinationState state)
        {
            var cached = _singles[index];
            if (cached is null || !ReferenceEquals(cached[0], state))
            {
                _singles[index] = cached = [state];
            }

            return cached;
        }
    }
}
