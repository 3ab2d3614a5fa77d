using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using ClusterLB.Cluster.Membership;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;

namespace ClusterLB.Cluster.Affinity;

/// <summary>
/// One per node: keeps <see cref="AffinityOverrides"/> in step with the replicated override table,
/// which is sharded over many Distributed Data keys so that no key outgrows a remoting frame. Writes
/// the proxy's changes with majority consistency, caps each shard, and sweeps expired entries of
/// the shards this node owns.
/// </summary>
public sealed class AffinityReplicator : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly AffinityOverrides _overrides;
    private readonly AffinitySettings _settings;
    private readonly LWWDictionaryKey<string, AffinityOverride>[] _keys;
    private readonly HashSet<OverrideKey>[] _shardKeys;
    private readonly Dictionary<int, Dictionary<string, AffinityOverride?>> _pending = [];

    /// <summary>Creates the replicator; see <see cref="Props"/>.</summary>
    public AffinityReplicator(AffinityOverrides overrides, AffinitySettings settings)
    {
        _overrides = overrides;
        _settings = settings;
        _keys = Enumerable.Range(0, settings.Shards).Select(i => new LWWDictionaryKey<string, AffinityOverride>($"clusterlb-affinity-{i}")).ToArray();
        _shardKeys = Enumerable.Range(0, settings.Shards).Select(_ => new HashSet<OverrideKey>()).ToArray();

        Receive<Changed>(OnChanged);
        Receive<OverrideChange>(OnChange);
        Receive<Sweep>(_ => OnSweep());
        Receive<Flush>(_ => OnFlush());
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(t => _log.Debug("Override write to {0} reached fewer than a majority in time", t.Key));
    }

    /// <summary>Timers of this actor.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a replicator for <paramref name="overrides"/>.</summary>
    public static Props Props(AffinityOverrides overrides, AffinitySettings settings) =>
        Akka.Actor.Props.Create(() => new AffinityReplicator(overrides, settings));

    /// <summary>The shard an override key lives in.</summary>
    public static int ShardOf(OverrideKey key, int shards) => (int)(StableHash.Combine(key.KeyHash, StableHash.Of(key.ClusterId)) % (ulong)shards);

    /// <inheritdoc />
    protected override void PreStart()
    {
        foreach (var key in _keys)
        {
            _replicator.Tell(Dsl.Subscribe(key, Self));
        }

        var self = Self;
        _overrides.Connect((key, value) => self.Tell(new OverrideChange(key, value)));
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, TimeSpan.FromSeconds(10));
        Timers.StartPeriodicTimer("flush", Flush.Instance, TimeSpan.FromMilliseconds(100));
    }

    private void OnChanged(Changed changed)
    {
        if (changed.Key is not LWWDictionaryKey<string, AffinityOverride> key)
        {
            return;
        }

        var shard = Array.IndexOf(_keys, key);
        var entries = changed.Get(key).Entries.Select(e => KeyValuePair.Create(OverrideKey.Parse(e.Key), e.Value)).ToList();
        _overrides.Replace(entries, _shardKeys[shard]);
        _shardKeys[shard] = entries.Select(e => e.Key).ToHashSet();
    }

    private void OnChange(OverrideChange change)
    {
        var shard = ShardOf(change.Key, _keys.Length);
        // Counted as part of the shard from now on, so that if the write evicts it, the next
        // notification of the shard removes it here too.
        _shardKeys[shard].Add(change.Key);
        if (!_pending.TryGetValue(shard, out var changes))
        {
            _pending[shard] = changes = new Dictionary<string, AffinityOverride?>(StringComparer.Ordinal);
        }

        changes[change.Key.ToString()] = change.Value;
    }

    // One write per shard per flush: each write carries the whole shard to a majority, so a write
    // per override would cost O(overrides x shard size) when many sessions move at once.
    private void OnFlush()
    {
        var cap = _settings.PerShardCap;
        foreach (var (shard, changes) in _pending)
        {
            _replicator.Tell(Dsl.Update(_keys[shard], LWWDictionary<string, AffinityOverride>.Empty, new WriteMajority(TimeSpan.FromSeconds(2)), map =>
            {
                foreach (var (key, value) in changes)
                {
                    map = value is null ? map.Remove(_cluster, key) : map.SetItem(_cluster, key, value);
                }

                var over = map.Count - cap;
                if (over > 0)
                {
                    foreach (var evicted in map.Entries.OrderBy(e => e.Value.ExpiresAt).Take(over).Select(e => e.Key).ToList())
                    {
                        map = map.Remove(_cluster, evicted);
                    }

                    _overrides.CountEvictions(over);
                }

                return map;
            }));
        }

        _pending.Clear();
    }

    private void OnSweep()
    {
        var members = BalancerMembers.ReachableIn(_cluster.State);
        var self = _cluster.SelfAddress.ToString();
        var now = DateTimeOffset.UtcNow;
        for (var shard = 0; shard < _keys.Length; shard++)
        {
            if (_shardKeys[shard].Count == 0 || Rendezvous.Owner($"affinity-shard-{shard}", members) != self)
            {
                continue;
            }

            var expired = _shardKeys[shard].Where(k => !_overrides.TryGet(k.ClusterId, k.KeyHash, now, out _)).Select(k => k.ToString()).ToList();
            if (expired.Count > 0)
            {
                _replicator.Tell(Dsl.Update(_keys[shard], LWWDictionary<string, AffinityOverride>.Empty, WriteLocal.Instance, map =>
                    expired.Aggregate(map, (m, key) => m.Remove(_cluster, key))));
            }
        }
    }

    private sealed record OverrideChange(OverrideKey Key, AffinityOverride? Value);

    private sealed record Flush
    {
        public static Flush Instance { get; } = new();
    }

    private sealed record Sweep
    {
        public static Sweep Instance { get; } = new();
    }
}
