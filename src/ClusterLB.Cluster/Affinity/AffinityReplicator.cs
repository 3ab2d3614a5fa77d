using System.Diagnostics;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;

namespace ClusterLB.Cluster.Affinity;

/// <summary>
/// One per node: hands <see cref="AffinityOverrides"/> each shard of the replicated override table
/// as Distributed Data delivers it; the table is sharded over many keys so that no key outgrows a
/// remoting frame. The proxy's changes are written locally once per shard per flush and reach the other nodes as deltas
/// (Distributed Data's delta propagation, every 200 ms); each shard is capped, and expired entries
/// are swept. When this node becomes Up in a cluster that already has members, it reads every shard
/// from them before it reports <see cref="AffinityOverrides.Loaded"/>.
/// </summary>
public sealed class AffinityReplicator : ReceiveActor, IWithTimers
{
    private const int ConcurrentReads = 16;
    private const int ReadAttempts = 3;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    // How long a change waits to go out with the changes that follow it: what a 100 ms periodic flush gave on average.
    private static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(50);

    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly IActorRef _replicator;
    private readonly AffinityOverrides _overrides;
    private readonly AffinitySettings _settings;
    private readonly OverrideShardKey[] _keys;
    private readonly Dictionary<string, int> _shardOfKeyId;
    private readonly OverrideShard?[] _shards;
    private readonly Dictionary<int, Dictionary<OverrideKey, (OverrideRecord Record, AffinityOverride? Change)>> _pending = [];
    private readonly Dictionary<int, DateTimeOffset> _lastWrite = [];
    private readonly Queue<int> _unread = new();
    // Shards being read, with the number of failed attempts so far.
    private readonly Dictionary<int, int> _reading = [];
    private readonly Stopwatch _catchUp = new();

    /// <summary>Creates the replicator; see <see cref="Props"/>.</summary>
    public AffinityReplicator(IActorRef replicator, AffinityOverrides overrides, AffinitySettings settings)
    {
        _replicator = replicator;
        _overrides = overrides;
        _settings = settings;
        _keys = Enumerable.Range(0, settings.Shards).Select(i => new OverrideShardKey($"clusterlb-affinity-{i}")).ToArray();
        _shardOfKeyId = _keys.Select((key, shard) => (key.Id, shard)).ToDictionary(pair => pair.Id, pair => pair.shard);
        _shards = new OverrideShard?[settings.Shards];

        Receive<Changed>(changed => OnChanged(Shard(changed.Key), changed.Get(_keys[Shard(changed.Key)])));
        Receive<GetSuccess>(read => OnRead(Shard(read.Key), read.Get(_keys[Shard(read.Key)])));
        Receive<NotFound>(notFound => OnRead(Shard(notFound.Key), null));
        Receive<GetFailure>(failed => OnReadFailed(Shard(failed.Key)));
        Receive<Retry>(retry => SendRead(retry.Shard));
        Receive<CatchUp>(_ => OnCatchUp());
        Receive<ModifyFailure>(failure => _log.Error(failure.Cause, "Writing override shard {0} failed; its changes were not recorded", failure.Key.Id));
        Receive<OverrideChange>(OnChange);
        Receive<Sweep>(_ => OnSweep());
        Receive<Flush>(_ => OnFlush());
        Receive<Written>(OnWritten);
        Receive<UpdateSuccess>(_ => { });
    }

    /// <summary>Timers of this actor.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a replicator for <paramref name="overrides"/>, replicating through <paramref name="replicator"/>.</summary>
    public static Props Props(IActorRef replicator, AffinityOverrides overrides, AffinitySettings settings) =>
        Akka.Actor.Props.Create(() => new AffinityReplicator(replicator, overrides, settings));

    private int Shard(IKey key) => _shardOfKeyId[key.Id];

    /// <inheritdoc />
    protected override void PreStart()
    {
        foreach (var key in _keys)
        {
            _replicator.Tell(Dsl.Subscribe(key, Self));
        }

        var self = Self;
        _overrides.Connect((key, value, returned) => self.Tell(new OverrideChange(key, value, returned)));
        Timers.StartPeriodicTimer("sweep", Sweep.Instance, TimeSpan.FromSeconds(10));
        Akka.Cluster.Cluster.Get(Context.System).RegisterOnMemberUp(() => self.Tell(CatchUp.Instance));
    }

    // The members that were here first hold the table; gossip alone would take a full pass over
    // every shard to bring it, so read each shard from them, a few at a time. Writes are local, so
    // a majority may not have seen every record: read from all, and from a majority when a member
    // does not answer. A shard that cannot be read in three attempts is left to gossip, so that a
    // member without this replicator cannot keep the node unready.
    private void OnCatchUp()
    {
        if (_overrides.Loaded || _catchUp.IsRunning)
        {
            return;
        }

        _catchUp.Start();
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        if (cluster.State.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up && m.HasRole(Hosting.ClusterLBAkka.BalancerRole) && !m.Equals(cluster.SelfMember)))
        {
            for (var shard = 0; shard < _keys.Length; shard++)
            {
                _unread.Enqueue(shard);
            }
        }

        ReadMore();
    }

    private void ReadMore()
    {
        while (_reading.Count < ConcurrentReads && _unread.TryDequeue(out var shard))
        {
            _reading[shard] = 0;
            SendRead(shard);
        }

        if (_reading.Count == 0 && !_overrides.Loaded)
        {
            _overrides.MarkLoaded();
            _log.Info("Affinity overrides loaded: {0} held after {1} ms", _overrides.Count, _catchUp.ElapsedMilliseconds);
        }
    }

    private void SendRead(int shard) => _replicator.Tell(Dsl.Get(
        _keys[shard],
        _reading[shard] == 0 ? new ReadAll(ReadTimeout) : new ReadMajority(ReadTimeout)));

    private void OnRead(int shard, OverrideShard? read)
    {
        if (!_reading.Remove(shard))
        {
            return;
        }

        // The reply holds the local value as of the read, merged with the others': changes that
        // arrived meanwhile are not in it, so merge rather than replace.
        if (read is not null)
        {
            var held = _shards[shard];
            Take(shard, held is null ? read : held.Merge(read));
        }

        ReadMore();
    }

    private void OnReadFailed(int shard)
    {
        if (!_reading.TryGetValue(shard, out var failed))
        {
            return;
        }

        if (++failed < ReadAttempts)
        {
            _reading[shard] = failed;
            Timers.StartSingleTimer(("read", shard), new Retry(shard), TimeSpan.FromSeconds(1));
            return;
        }

        _log.Warning("Could not read affinity override shard {0} from the other members in {1} attempts; it will arrive by gossip", shard, ReadAttempts);
        _reading.Remove(shard);
        ReadMore();
    }

    private void OnChanged(int shard, OverrideShard now) => Take(shard, now);

    private void Take(int shard, OverrideShard now)
    {
        _shards[shard] = now;
        _overrides.Take(shard, now);
    }

    // The shard as this node's write left it: it now speaks for the keys written, except where the
    // proxy has changed them again since (AffinityOverrides.Settle compares the change).
    private void OnWritten(Written written)
    {
        Take(written.Shard, written.Now);
        foreach (var (key, change) in written.Changes)
        {
            _overrides.Settle(key, change);
        }
    }

    private void OnChange(OverrideChange change)
    {
        var shard = AffinityOverrides.ShardOf(change.Key, _keys.Length);
        if (!_pending.TryGetValue(shard, out var changes))
        {
            _pending[shard] = changes = [];
        }

        var expiresAt = change.Value?.ExpiresAt ?? DateTimeOffset.UtcNow + _settings.OverrideTtl;
        changes[change.Key] = (new OverrideRecord(change.Key.ClusterId, change.Key.KeyHash, change.Value?.DestinationId, expiresAt.ToUnixTimeMilliseconds(), change.Returned), change.Value);
        FlushSoon();
    }

    // The flush timer runs only while changes wait, so a node without affinity traffic is not woken for it.
    private void FlushSoon()
    {
        if (!Timers.IsTimerActive(nameof(Flush)))
        {
            Timers.StartSingleTimer(nameof(Flush), Flush.Instance, FlushDelay);
        }
    }

    // A shard's changes go out as one write, carried as a delta of the changed records only. Each
    // write rebuilds the shard, so under churn a shard is written at most once per
    // ShardWriteInterval (a quiet shard FlushDelay after its first change); otherwise a million overrides
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
            var records = changes.Values.Select(pending => pending.Record).ToList();
            var written = changes.Select(pair => (pair.Key, pair.Value.Change)).ToArray();
            var index = shard;
            var self = Self;
            _replicator.Tell(Dsl.Update(_keys[shard], OverrideShard.Empty(cap), WriteLocal.Instance, current =>
            {
                var evictedClusters = new List<string>();
                var next = current.With(records, cap, nowMs, out var evicted, evictedClusters);
                if (evicted > 0)
                {
                    _overrides.CountEvictions(evictedClusters);
                }

                // Runs inside the Distributed Data replicator: the shard it stores is this one.
                self.Tell(new Written(index, next, written));
                return next;
            }));
        }

        foreach (var shard in flushed ?? [])
        {
            _pending.Remove(shard);
        }

        if (_pending.Count > 0)
        {
            FlushSoon();
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

    private sealed record OverrideChange(OverrideKey Key, AffinityOverride? Value, bool Returned);

    private sealed record Written(int Shard, OverrideShard Now, (OverrideKey Key, AffinityOverride? Change)[] Changes);

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
