using Akka.Actor;
using Akka.DistributedData;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;

namespace ClusterLB.Cluster.Affinity;

/// <summary>
/// One per node: keeps <see cref="AffinityOverrides"/> in step with the replicated override table,
/// which is sharded over many Distributed Data keys so that no key outgrows a remoting frame. The
/// proxy's changes are written locally once per shard per flush and reach the other nodes as deltas
/// (Distributed Data's delta propagation, every 200 ms); each shard is capped, and expired entries
/// are swept. When this node becomes Up in a cluster that already has members, it reads every shard
/// from a majority before it reports <see cref="AffinityOverrides.Loaded"/>.
/// </summary>
public sealed class AffinityReplicator : ReceiveActor, IWithTimers
{
    private const int ConcurrentReads = 16;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private readonly IActorRef _replicator;
    private readonly AffinityOverrides _overrides;
    private readonly AffinitySettings _settings;
    private readonly OverrideShardKey[] _keys;
    private readonly Dictionary<string, int> _shardOfKeyId;
    private readonly OverrideShard?[] _shards;
    private readonly Dictionary<int, Dictionary<OverrideKey, OverrideRecord>> _pending = [];
    private readonly Dictionary<int, List<OverrideKey>> _written = [];
    private readonly Dictionary<int, DateTimeOffset> _lastWrite = [];
    private readonly Queue<int> _unread = new();
    private int _reading;

    /// <summary>Creates the replicator; see <see cref="Props"/>.</summary>
    public AffinityReplicator(IActorRef replicator, AffinityOverrides overrides, AffinitySettings settings)
    {
        _replicator = replicator;
        _overrides = overrides;
        _settings = settings;
        _keys = Enumerable.Range(0, settings.Shards).Select(i => new OverrideShardKey($"clusterlb-affinity-{i}")).ToArray();
        _shardOfKeyId = _keys.Select((key, shard) => (key.Id, shard)).ToDictionary(pair => pair.Id, pair => pair.shard);
        _shards = new OverrideShard?[settings.Shards];

        Receive<Changed>(changed => OnShard(changed.Key, changed.Get(_keys[_shardOfKeyId[changed.Key.Id]])));
        Receive<GetSuccess>(read => { OnShard(read.Key, read.Get(_keys[_shardOfKeyId[read.Key.Id]])); OnRead(); });
        Receive<NotFound>(_ => OnRead());
        Receive<GetFailure>(failed => Timers.StartSingleTimer(failed.Key.Id, new Retry(_shardOfKeyId[failed.Key.Id]), TimeSpan.FromSeconds(1)));
        Receive<Retry>(retry => SendRead(retry.Shard));
        Receive<CatchUp>(_ => OnCatchUp());
        Receive<OverrideChange>(OnChange);
        Receive<Sweep>(_ => OnSweep());
        Receive<Flush>(_ => OnFlush());
        Receive<UpdateSuccess>(_ => { });
    }

    /// <summary>Timers of this actor.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a replicator for <paramref name="overrides"/>, replicating through <paramref name="replicator"/>.</summary>
    public static Props Props(IActorRef replicator, AffinityOverrides overrides, AffinitySettings settings) =>
        Akka.Actor.Props.Create(() => new AffinityReplicator(replicator, overrides, settings));

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
        Akka.Cluster.Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(CatchUp.Instance));
    }

    // The members that were here first hold the table; gossip alone would take a full pass over
    // every shard to bring it, so read each shard from a majority, a few at a time.
    private void OnCatchUp()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var others = cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(Hosting.ClusterLBAkka.BalancerRole) && !m.Equals(cluster.SelfMember));
        if (others == 0)
        {
            _overrides.MarkLoaded();
            return;
        }

        for (var shard = 0; shard < _keys.Length; shard++)
        {
            _unread.Enqueue(shard);
        }

        while (_reading < ConcurrentReads && _unread.TryDequeue(out var next))
        {
            Read(next);
        }
    }

    private void Read(int shard)
    {
        _reading++;
        SendRead(shard);
    }

    private void SendRead(int shard) => _replicator.Tell(Dsl.Get(_keys[shard], new ReadMajority(ReadTimeout)));

    private void OnRead()
    {
        _reading--;
        if (_unread.TryDequeue(out var next))
        {
            Read(next);
        }
        else if (_reading == 0)
        {
            _overrides.MarkLoaded();
        }
    }

    private void OnShard(IKey shardKey, OverrideShard now)
    {
        var shard = _shardOfKeyId[shardKey.Id];
        _pending.TryGetValue(shard, out var pending);
        now.DiffFrom(_shards[shard], (key, record) => Apply(key, record, pending));

        // Keys this node wrote that the shard no longer holds (the cap evicted them in the same
        // write) appear in neither side of the diff.
        if (_written.Remove(shard, out var written))
        {
            foreach (var key in written)
            {
                Apply(key, now.TryFind(key, out var record) ? record : null, pending);
            }
        }

        _shards[shard] = now;
    }

    private void Apply(OverrideKey key, OverrideRecord? record, Dictionary<OverrideKey, OverrideRecord>? pending)
    {
        // A change this node made and has not written yet is newer than what the shard says.
        if (pending?.ContainsKey(key) == true)
        {
            return;
        }

        _overrides.Apply(key, record is { DestinationId: { } destination } live
            ? new AffinityOverride(key.ClusterId, destination, DateTimeOffset.FromUnixTimeMilliseconds(live.ExpiresAtMs))
            : null);
    }

    private void OnChange(OverrideChange change)
    {
        var shard = ShardOf(change.Key, _keys.Length);
        if (!_pending.TryGetValue(shard, out var changes))
        {
            _pending[shard] = changes = [];
        }

        var expiresAt = change.Value?.ExpiresAt ?? DateTimeOffset.UtcNow + _settings.OverrideTtl;
        changes[change.Key] = new OverrideRecord(change.Key.ClusterId, change.Key.KeyHash, change.Value?.DestinationId, expiresAt.ToUnixTimeMilliseconds());
    }

    // A shard's changes go out as one write, carried as a delta of the changed records only. Each
    // write rebuilds the shard, so under churn a shard is written at most once per
    // ShardWriteInterval (a quiet shard at the next 100 ms tick); otherwise a million overrides
    // would be rebuilt ten times a second. Local, not majority: a majority write starts a
    // coordinating actor per write, hundreds a second under churn; deltas reach every node just
    // as soon.
    private void OnFlush()
    {
        var cap = _settings.PerShardCap;
        var now = DateTimeOffset.UtcNow;
        var nowMs = now.ToUnixTimeMilliseconds();
        List<int>? flushed = null;
        foreach (var (shard, changes) in _pending)
        {
            if (_lastWrite.TryGetValue(shard, out var last) && now - last < _settings.ShardWriteInterval)
            {
                continue;
            }

            _lastWrite[shard] = now;
            (flushed ??= []).Add(shard);
            var records = changes.Values.ToList();
            if (!_written.TryGetValue(shard, out var written))
            {
                _written[shard] = written = [];
            }

            written.AddRange(changes.Keys);
            _replicator.Tell(Dsl.Update(_keys[shard], OverrideShard.Empty(cap), WriteLocal.Instance, current =>
            {
                var next = current.With(records, cap, nowMs, out var evicted);
                if (evicted > 0)
                {
                    _overrides.CountEvictions(evicted);
                }

                return next;
            }));
        }

        foreach (var shard in flushed ?? [])
        {
            _pending.Remove(shard);
        }
    }

    // Every node drops expired records from the shards it holds; merges drop them too, so a replica
    // that has not swept yet cannot bring them back.
    private void OnSweep()
    {
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var shard = 0; shard < _keys.Length; shard++)
        {
            var held = _shards[shard];
            if (held is not null && HasExpired(held, nowMs))
            {
                _replicator.Tell(Dsl.Update(_keys[shard], OverrideShard.Empty(_settings.PerShardCap), WriteLocal.Instance, current => current.WithoutExpired(nowMs)));
            }
        }
    }

    private static bool HasExpired(OverrideShard shard, long nowMs)
    {
        foreach (var record in shard.Records)
        {
            if (record.ExpiresAtMs <= nowMs)
            {
                return true;
            }
        }

        return false;
    }

    private sealed record OverrideChange(OverrideKey Key, AffinityOverride? Value);

    private sealed record Retry(int Shard);

    private sealed record CatchUp
    {
        public static CatchUp Instance { get; } = new();
    }

    private sealed record Flush
    {
        public static Flush Instance { get; } = new();
    }

    private sealed record Sweep
    {
        public static Sweep Instance { get; } = new();
    }
}
