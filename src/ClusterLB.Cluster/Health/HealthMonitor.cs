using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using ClusterLB.Cluster.Membership;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Hashing;
using ClusterLB.Core.Health;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Health;

/// <summary>
/// One per node. Each destination has one probing owner, chosen by rendezvous hashing over the
/// reachable Up members, so the whole cluster sends one probe per destination per interval. The
/// owner also receives every node's real-traffic results for it, decides the verdict with rise/fall
/// hysteresis and replicates it; every node applies the replicated verdicts.
/// </summary>
public sealed class HealthMonitor : ReceiveActor, IWithTimers
{
    /// <summary>The actor's name under /user, the same on every node so owners can be addressed.</summary>
    public const string Name = "health-monitor";

    /// <summary>Header on every probe naming the member that sent it, for backends' logs.</summary>
    public const string ProberHeader = "X-ClusterLB-Prober";

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly IHealthVerdictConsumer _consumer;
    private readonly PassiveHealthCounters _counters;
    private readonly HealthSettings _settings;
    private readonly string _self;

    private readonly BalancerMembers _membership = new();
    private RoutingTable _table = RoutingTable.Empty;
    private IReadOnlyDictionary<string, ReplicatedVerdict> _verdicts = ImmutableDictionary<string, ReplicatedVerdict>.Empty;
    private readonly Dictionary<string, OwnedDestination> _owned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReplicatedVerdict> _pending = new(StringComparer.Ordinal);

    /// <summary>Creates the monitor; see <see cref="Props"/>.</summary>
    public HealthMonitor(IHealthVerdictConsumer consumer, PassiveHealthCounters counters, HealthSettings settings)
    {
        _consumer = consumer;
        _counters = counters;
        _settings = settings;
        _self = _cluster.SelfAddress.ToString();

        Receive<ClusterEvent.CurrentClusterState>(state => OnMembership(state));
        Receive<ClusterEvent.IClusterDomainEvent>(e => OnMembership(e));
        Receive<Changed>(c => c.Key.Equals(RoutingTableReplication.Key), c =>
        {
            _table = c.Get(RoutingTableReplication.Key).Value;
            Rebalance();
        });
        Receive<Changed>(c => c.Key.Equals(HealthReplication.Key), c => OnVerdicts(c.Get(HealthReplication.Key).Entries));
        Receive<GetSuccess>(g => g.Key.Equals(HealthReplication.Key), g => OnVerdicts(g.Get(HealthReplication.Key).Entries));
        Receive<NotFound>(_ => OnVerdicts(ImmutableDictionary<string, ReplicatedVerdict>.Empty));
        Receive<GetFailure>(_ => Timers.StartSingleTimer("load", LoadVerdicts.Instance, TimeSpan.FromSeconds(1)));
        Receive<LoadVerdicts>(_ => _replicator.Tell(Dsl.Get(HealthReplication.Key, new ReadMajority(TimeSpan.FromSeconds(3)))));
        Receive<Tick>(_ => OnTick());
        // Events drive membership; a periodic look at the cluster's own state heals any missed one.
        Receive<ResyncMembership>(_ => OnMembership(_cluster.State));
        Receive<PassiveReport>(report => ApplyPassive(report.Counts));
        Receive<ProbeResult>(OnProbeResult);
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => { });
    }

    /// <summary>Timers of this actor.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a monitor that hands verdicts to <paramref name="consumer"/>.</summary>
    public static Props Props(IHealthVerdictConsumer consumer, PassiveHealthCounters counters, HealthSettings settings) =>
        Akka.Actor.Props.Create(() => new HealthMonitor(consumer, counters, settings));

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        _replicator.Tell(Dsl.Subscribe(RoutingTableReplication.Key, Self));
        _replicator.Tell(Dsl.Subscribe(HealthReplication.Key, Self));
        // A joining node starts from the cluster's verdicts, read from a majority, not from "all healthy".
        Self.Tell(LoadVerdicts.Instance);
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(250));
        Timers.StartPeriodicTimer("resync", ResyncMembership.Instance, TimeSpan.FromSeconds(5));
    }

    /// <inheritdoc />
    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnVerdicts(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts)
    {
        _verdicts = verdicts;
        _consumer.Apply(verdicts);
    }

    private ImmutableArray<string> Members => _membership.Reachable;

    private void OnMembership(object clusterEvent)
    {
        if (_membership.Apply(clusterEvent))
        {
            Rebalance();
        }
    }

    private void Rebalance()
    {
        var now = DateTimeOffset.UtcNow;
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (clusterId, cluster) in _table.Clusters)
        {
            foreach (var destinationId in cluster.Destinations.Keys)
            {
                var key = DestinationKey.Of(clusterId, destinationId);
                if (Rendezvous.Owner(key, Members) != _self)
                {
                    continue;
                }

                wanted.Add(key);
                if (!_owned.ContainsKey(key))
                {
                    // Taking over: continue from the cluster's verdict so the destination does not flip.
                    var verdict = _verdicts.TryGetValue(key, out var known) ? known.Verdict : HealthVerdict.Unknown;
                    _owned[key] = new OwnedDestination(clusterId, destinationId, DestinationHealth.From(verdict), now);
                    _log.Debug("Now probing owner of {0}", key);
                }
            }
        }

        foreach (var key in _owned.Keys.Where(k => !wanted.Contains(k)).ToList())
        {
            _owned.Remove(key);
        }
    }

    private void OnTick()
    {
        var now = DateTimeOffset.UtcNow;
        if (Members.Length > 0 && _counters.Drain() is { Count: > 0 } counts)
        {
            foreach (var byOwner in counts.GroupBy(c => Rendezvous.Owner(c.Key, Members)))
            {
                var report = byOwner.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
                if (byOwner.Key == _self)
                {
                    ApplyPassive(report);
                }
                else if (byOwner.Key is not null)
                {
                    Context.ActorSelection($"{byOwner.Key}/user/{Name}").Tell(new PassiveReport(report));
                }
            }
        }

        foreach (var (key, owned) in _owned)
        {
            var active = ActiveSettings(owned);
            Decide(key, owned, owned.Health.Elapsed(now, active is not null), "reactivated after traffic failures");
            if (active is not null && !owned.Probing && now >= owned.NextProbeAt)
            {
                Probe(key, owned, active);
            }
        }

        PublishPending();
    }

    private void Probe(string key, OwnedDestination owned, ActiveHealthCheckDefinition active)
    {
        var destination = _table.Clusters[owned.ClusterId].Destinations[owned.DestinationId];
        var baseAddress = (destination.Health ?? destination.Address).TrimEnd('/');
        var uri = $"{baseAddress}{active.Path ?? "/"}{active.Query}";
        var timeout = active.Timeout ?? _settings.DefaultProbeTimeout;
        owned.Probing = true;
        owned.NextProbeAt = DateTimeOffset.UtcNow + (active.Interval ?? _settings.DefaultProbeInterval);

        ProbeAsync(key, uri, timeout, _self).PipeTo(Self);
    }

    private static async Task<ProbeResult> ProbeAsync(string key, string uri, TimeSpan timeout, string prober)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Add(ProberHeader, prober);
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            return new ProbeResult(key, response.IsSuccessStatusCode, $"probe {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            return new ProbeResult(key, false, e is OperationCanceledException ? "probe timed out" : $"probe failed: {e.Message}");
        }
    }

    private void OnProbeResult(ProbeResult result)
    {
        if (!_owned.TryGetValue(result.Key, out var owned))
        {
            return; // ownership moved while the probe was out
        }

        owned.Probing = false;
        var thresholds = Thresholds(owned);
        Decide(result.Key, owned, owned.Health.Probed(result.Passed, DateTimeOffset.UtcNow, thresholds), result.Reason);
    }

    private void ApplyPassive(IReadOnlyDictionary<string, PassiveCount> counts)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (key, count) in counts)
        {
            if (_owned.TryGetValue(key, out var owned) && PassiveEnabled(owned))
            {
                Decide(key, owned, owned.Health.Observed(count.Failed, count.Total, now, Thresholds(owned)), $"{count.Failed} of {count.Total} requests failed");
            }
        }
    }

    private void Decide(string key, OwnedDestination owned, DestinationHealth next, string reason)
    {
        owned.Health = next;
        var replicated = _verdicts.TryGetValue(key, out var known) ? known : null;
        if (next.Verdict == (replicated?.Verdict ?? HealthVerdict.Unknown))
        {
            return;
        }

        var verdict = new ReplicatedVerdict(next.Verdict, _self, (replicated?.Sequence ?? 0) + 1, reason, DateTimeOffset.UtcNow);
        _log.Info("Destination {0} is now {1} ({2})", key, next.Verdict, reason);
        _pending[key] = verdict;
        _verdicts = new Dictionary<string, ReplicatedVerdict>(_verdicts, StringComparer.Ordinal) { [key] = verdict };
    }

    // One write per tick for all the verdicts decided since the last: each write carries the whole
    // map to every node, so a write per verdict costs O(destinations²) when many change at once.
    private void PublishPending()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = _pending.ToList();
        _pending.Clear();
        _replicator.Tell(Dsl.Update(
            HealthReplication.Key,
            LWWDictionary<string, ReplicatedVerdict>.Empty,
            new WriteAll(HealthReplication.WriteTimeout),
            map => batch.Aggregate(map, (m, verdict) => m.SetItem(_cluster, verdict.Key, verdict.Value))));
    }

    private ActiveHealthCheckDefinition? ActiveSettings(OwnedDestination owned) =>
        _table.Clusters.TryGetValue(owned.ClusterId, out var cluster) && cluster.HealthCheck?.Active is { Enabled: true } active ? active : null;

    private bool PassiveEnabled(OwnedDestination owned) =>
        _table.Clusters.TryGetValue(owned.ClusterId, out var cluster) && cluster.HealthCheck?.Passive?.Enabled == true;

    private HealthThresholds Thresholds(OwnedDestination owned) =>
        _table.Clusters.TryGetValue(owned.ClusterId, out var cluster)
            ? HealthPolicyMetadata.Apply(_settings.Thresholds(cluster.HealthCheck?.Passive?.ReactivationPeriod), cluster.Metadata)
            : _settings.Thresholds(null);

    private sealed class OwnedDestination(string clusterId, string destinationId, DestinationHealth health, DateTimeOffset nextProbeAt)
    {
        public string ClusterId { get; } = clusterId;

        public string DestinationId { get; } = destinationId;

        public DestinationHealth Health { get; set; } = health;

        public DateTimeOffset NextProbeAt { get; set; } = nextProbeAt;

        public bool Probing { get; set; }
    }

    private sealed record ProbeResult(string Key, bool Passed, string Reason);

    private sealed record Tick
    {
        public static Tick Instance { get; } = new();
    }

    private sealed record ResyncMembership
    {
        public static ResyncMembership Instance { get; } = new();
    }

    private sealed record LoadVerdicts
    {
        public static LoadVerdicts Instance { get; } = new();
    }
}
