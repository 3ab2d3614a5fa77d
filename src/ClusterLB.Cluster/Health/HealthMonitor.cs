using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using ClusterLB.Cluster.Membership;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Health;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Health;

/// <summary>
/// One per node; wires the pure health model (<see cref="ProbeOwnership"/>, <see cref="HealthJudgement"/>,
/// <see cref="OutlierPolicy"/>) to messages, timers and replication. Each report window it ships this
/// node's real-traffic counts to the destinations' owners, judges the windows it received for the
/// destinations it owns, probes those that are due, and writes the verdicts that changed; every node
/// applies the replicated verdicts. Every "now" comes from the <see cref="TimeProvider"/>.
/// </summary>
public sealed class HealthMonitor : ReceiveActor, IWithTimers
{
    /// <summary>The actor's name under /user, the same on every node so owners can be addressed.</summary>
    public const string Name = "health-monitor";

    /// <summary>Header on every probe naming the member that sent it, for backends' logs.</summary>
    public const string ProberHeader = "X-ClusterLB-Prober";

    /// <summary>The name of the HTTP client that probes destinations.</summary>
    public const string ProbeClientName = "ClusterLB.HealthProbe";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly IHealthVerdictConsumer _consumer;
    private readonly PassiveHealthCounters _counters;
    private readonly HealthSettings _settings;
    private readonly Func<HttpClient> _probeClient;
    private readonly TimeProvider _time;
    private readonly HealthObservations? _observations;
    private readonly string _self;

    /// <summary>How far back the passive counts in the observations reach.</summary>
    private static readonly TimeSpan PassiveKept = TimeSpan.FromSeconds(10);

    private readonly BalancerMembers _membership = new();
    private RoutingTable _table = RoutingTable.Empty;
    private Dictionary<string, ClusterHealthPolicy> _policies = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, ReplicatedVerdict> _verdicts = ImmutableDictionary<string, ReplicatedVerdict>.Empty;
    private readonly Dictionary<string, OwnedDestination> _owned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReplicatedVerdict> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PassiveCount> _window = new(StringComparer.Ordinal);

    /// <summary>Creates the monitor; see <see cref="Props"/>.</summary>
    public HealthMonitor(
        IHealthVerdictConsumer consumer, PassiveHealthCounters counters, HealthSettings settings, Func<HttpClient> probeClient, TimeProvider time, HealthObservations? observations)
    {
        _consumer = consumer;
        _counters = counters;
        _settings = settings;
        _probeClient = probeClient;
        _time = time;
        _observations = observations;
        _self = _cluster.SelfAddress.ToString();

        Receive<ClusterEvent.CurrentClusterState>(state => OnMembership(state));
        Receive<ClusterEvent.IClusterDomainEvent>(e => OnMembership(e));
        Receive<Changed>(c => c.Key.Equals(RoutingTableReplication.Key), c => OnTable(c.Get(RoutingTableReplication.Key).Value));
        Receive<Changed>(c => c.Key.Equals(HealthReplication.Key), c => OnVerdicts(c.Get(HealthReplication.Key).Entries));
        Receive<GetSuccess>(g => g.Key.Equals(HealthReplication.Key), g => OnVerdicts(g.Get(HealthReplication.Key).Entries));
        Receive<NotFound>(_ => OnVerdicts(ImmutableDictionary<string, ReplicatedVerdict>.Empty));
        Receive<GetFailure>(_ => Timers.StartSingleTimer("load", LoadVerdicts.Instance, TimeSpan.FromSeconds(1)));
        Receive<LoadVerdicts>(_ => _replicator.Tell(Dsl.Get(HealthReplication.Key, new ReadMajority(TimeSpan.FromSeconds(3)))));
        Receive<Tick>(_ => OnTick());
        // Events drive membership; a periodic look at the cluster's own state heals any missed one.
        Receive<ResyncMembership>(_ => OnMembership(_cluster.State));
        Receive<PassiveReport>(report => Collect(report.Counts));
        Receive<ProbeResult>(OnProbeResult);
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => { });
    }

    /// <summary>Timers of this actor.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props of a monitor that hands verdicts to <paramref name="consumer"/>, probes with the clients
    /// <paramref name="probeClient"/> gives (the node's named client <see cref="ProbeClientName"/>), and
    /// reads the time from <paramref name="time"/> (<see cref="TimeProvider.System"/> in production), and
    /// publishes its recent probes and judged traffic to <paramref name="observations"/> when given.
    /// </summary>
    public static Props Props(
        IHealthVerdictConsumer consumer, PassiveHealthCounters counters, HealthSettings settings, Func<HttpClient> probeClient, TimeProvider time,
        HealthObservations? observations = null) =>
        Akka.Actor.Props.Create(() => new HealthMonitor(consumer, counters, settings, probeClient, time, observations));

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        _replicator.Tell(Dsl.Subscribe(RoutingTableReplication.Key, Self));
        _replicator.Tell(Dsl.Subscribe(HealthReplication.Key, Self));
        // A joining node starts from the cluster's verdicts, read from a majority, not from "all healthy".
        Self.Tell(LoadVerdicts.Instance);
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.ReportInterval);
        Timers.StartPeriodicTimer("resync", ResyncMembership.Instance, TimeSpan.FromSeconds(5));
    }

    /// <inheritdoc />
    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private ImmutableArray<string> Members => _membership.Reachable;

    private void OnTable(RoutingTable table)
    {
        _table = table;
        _policies = table.Clusters.ToDictionary(c => c.Key, c => _settings.PolicyOf(c.Value), StringComparer.Ordinal);
        Rebalance();
    }

    private void OnVerdicts(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts)
    {
        // Verdicts decided here but not yet written stay in force locally until their write comes back.
        _verdicts = _pending.Count == 0 ? verdicts : verdicts.Concat(_pending).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        _consumer.Apply(verdicts);
        GiveWayToCap(_time.GetUtcNow());
    }

    private void OnMembership(object clusterEvent)
    {
        if (_membership.Apply(clusterEvent))
        {
            Rebalance();
        }
    }

    private void Rebalance()
    {
        var now = _time.GetUtcNow();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var destination in ProbeOwnership.OwnedBy(_self, _table, Members))
        {
            var key = destination.Key;
            wanted.Add(key);
            if (!_owned.ContainsKey(key))
            {
                // Taking over: continue from the cluster's verdict so the destination does not flip.
                var judgement = _verdicts.TryGetValue(key, out var known)
                    ? HealthJudgement.From(known.Verdict, known.EjectedUntil, known.Ejections)
                    : HealthJudgement.From(HealthVerdict.Unknown);
                _owned[key] = new OwnedDestination(destination, judgement, now);
                _log.Debug("Now the health owner of {0}", key);
            }
        }

        foreach (var key in _owned.Keys.Where(k => !wanted.Contains(k)).ToList())
        {
            _owned.Remove(key);
        }
    }

    private void OnTick()
    {
        var now = _time.GetUtcNow();
        ShipCounts();
        JudgeWindow(now);
        foreach (var (key, owned) in _owned)
        {
            if (!_policies.TryGetValue(owned.Destination.ClusterId, out var policy))
            {
                continue;
            }

            var next = owned.Judgement.Elapsed(now, policy.Active is not null, policy.Outlier);
            Decide(key, owned, next, owned.Judgement.EjectedUntil is not null && next.EjectedUntil is null ? "ejection ended" : "as its owner judges it");
            if (policy.Active is { } active && !owned.Probing && now >= owned.NextProbeAt)
            {
                Probe(key, owned, active, now);
            }
        }

        PublishPending();
        PublishObservations(now);
    }

    // What this node saw first hand as owner, for the member report; once per tick, never on request.
    private void PublishObservations(DateTimeOffset now)
    {
        if (_observations is null)
        {
            return;
        }

        var since = now - PassiveKept;
        _observations.Publish(_owned
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o =>
            {
                while (o.Value.Passive.TryPeek(out var oldest) && oldest.At <= since)
                {
                    o.Value.Passive.Dequeue();
                }

                var passive = o.Value.Passive.Count == 0 ? null : o.Value.Passive.Select(p => p.Count).Aggregate((a, b) => a.Add(b));
                return new OwnedDestinationHealth(o.Key, o.Value.Probes.ToArray(), passive, (int)PassiveKept.TotalSeconds);
            })
            .ToList());
    }

    private void ShipCounts()
    {
        if (Members.Length == 0 || _counters.Drain() is not { Count: > 0 } counts)
        {
            return;
        }

        foreach (var (owner, report) in ProbeOwnership.ByOwner(counts, Members))
        {
            if (owner == _self)
            {
                Collect(report);
            }
            else
            {
                Context.ActorSelection($"{owner}/user/{Name}").Tell(new PassiveReport(report));
            }
        }
    }

    private void Collect(IReadOnlyDictionary<string, PassiveCount> counts)
    {
        foreach (var (key, count) in counts)
        {
            if (_owned.ContainsKey(key))
            {
                _window[key] = _window.TryGetValue(key, out var earlier) ? earlier.Add(count) : count;
            }
        }
    }

    // One window of every node's traffic, judged per cluster so the ejection cap counts this tick's ejections too.
    private void JudgeWindow(DateTimeOffset now)
    {
        foreach (var (key, window) in _window)
        {
            if (_owned.TryGetValue(key, out var observed))
            {
                observed.Passive.Enqueue((now, window));
            }
        }

        foreach (var byCluster in _window.GroupBy(w => _owned.TryGetValue(w.Key, out var o) ? o.Destination.ClusterId : null))
        {
            if (byCluster.Key is not { } clusterId || !_policies.TryGetValue(clusterId, out var policy) || !policy.Passive)
            {
                continue;
            }

            var ejected = Ejected(clusterId, now).Count();
            foreach (var (key, window) in byCluster)
            {
                var owned = _owned[key];
                var (next, fault) = owned.Judgement.Observe(window, now, policy.Outlier, policy.Outlier.MayEject(ejected, policy.Destinations));
                if (fault is not null)
                {
                    ejected++;
                    Decide(key, owned, next, $"ejected for {policy.Outlier.EjectionTime(next.Ejections)}: {fault}");
                }
                else
                {
                    owned.Judgement = next;
                }
            }
        }

        _window.Clear();
    }

    // Owners on different nodes may eject destinations of one cluster at the same moment, each within
    // the cap; once the verdicts meet, every owner lifts the same latest ones.
    private void GiveWayToCap(DateTimeOffset now)
    {
        foreach (var clusterId in _owned.Values.Where(o => o.Judgement.EjectedUntil is not null).Select(o => o.Destination.ClusterId).Distinct().ToList())
        {
            if (!_policies.TryGetValue(clusterId, out var policy))
            {
                continue;
            }

            foreach (var key in policy.Outlier.OverCap(Ejected(clusterId, now).Select(v => (v.Key, v.Value.Since)), policy.Destinations))
            {
                if (_owned.TryGetValue(key, out var owned))
                {
                    Decide(key, owned, owned.Judgement.Lift(), $"ejection lifted: at most {policy.Outlier.MaxEjectionPercent} % of the cluster may be out");
                }
            }
        }
    }

    private IEnumerable<KeyValuePair<string, ReplicatedVerdict>> Ejected(string clusterId, DateTimeOffset now)
    {
        if (!_table.Clusters.TryGetValue(clusterId, out var cluster))
        {
            yield break;
        }

        foreach (var destinationId in cluster.Destinations.Keys)
        {
            var key = DestinationKey.Of(clusterId, destinationId);
            if (_verdicts.TryGetValue(key, out var verdict) && verdict.EjectedUntil > now)
            {
                yield return new(key, verdict);
            }
        }
    }

    private void Probe(string key, OwnedDestination owned, ActiveHealthCheckDefinition active, DateTimeOffset now)
    {
        var destination = _table.Clusters[owned.Destination.ClusterId].Destinations[owned.Destination.DestinationId];
        var baseAddress = (destination.Health ?? destination.Address).TrimEnd('/');
        var uri = $"{baseAddress}{active.Path ?? "/"}{active.Query}";
        var timeout = active.Timeout ?? _settings.DefaultProbeTimeout;
        owned.Probing = true;
        // Due an interval after the last one was due, not after the tick that sent it: ticks come every
        // ReportInterval, and counting from the tick would stretch every interval by up to one tick.
        var interval = active.Interval ?? _settings.DefaultProbeInterval;
        owned.NextProbeAt = owned.NextProbeAt + interval > now ? owned.NextProbeAt + interval : now + interval;

        ProbeAsync(_probeClient(), key, uri, timeout, _self, _time).PipeTo(Self);
    }

    private static async Task<ProbeResult> ProbeAsync(HttpClient client, string key, string uri, TimeSpan timeout, string prober, TimeProvider time)
    {
        var startedAt = time.GetTimestamp();
        try
        {
            using var deadline = new CancellationTokenSource(timeout, time);
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Add(ProberHeader, prober);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;
            return new ProbeResult(key, response.IsSuccessStatusCode, $"probe {status}", Record(response.IsSuccessStatusCode, status, null));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            var error = e is OperationCanceledException ? "probe timed out" : $"probe failed: {e.Message}";
            return new ProbeResult(key, false, error, Record(false, null, error));
        }

        ProbeRecord Record(bool ok, int? status, string? error) =>
            new(time.GetUtcNow(), ok, status, Math.Round(time.GetElapsedTime(startedAt).TotalMilliseconds, 1), error);
    }

    private void OnProbeResult(ProbeResult result)
    {
        if (!_owned.TryGetValue(result.Key, out var owned) || !_policies.TryGetValue(owned.Destination.ClusterId, out var policy))
        {
            return; // ownership moved while the probe was out
        }

        owned.Probing = false;
        if (owned.Probes.Count == HealthObservations.ProbesKept)
        {
            owned.Probes.Dequeue();
        }

        owned.Probes.Enqueue(result.Record);
        Decide(result.Key, owned, owned.Judgement.Probe(result.Passed, policy.Thresholds), result.Reason);
    }

    private void Decide(string key, OwnedDestination owned, HealthJudgement next, string reason)
    {
        owned.Judgement = next;
        var replicated = _verdicts.TryGetValue(key, out var known) ? known : null;
        if (next.Verdict == (replicated?.Verdict ?? HealthVerdict.Unknown) && next.EjectedUntil == replicated?.EjectedUntil)
        {
            return;
        }

        var verdict = new ReplicatedVerdict(
            next.Verdict, _self, (replicated?.Sequence ?? 0) + 1, reason, _time.GetUtcNow(), next.EjectedUntil, next.Ejections);
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

    private sealed class OwnedDestination(DestinationRef destination, HealthJudgement judgement, DateTimeOffset nextProbeAt)
    {
        public DestinationRef Destination { get; } = destination;

        public HealthJudgement Judgement { get; set; } = judgement;

        public DateTimeOffset NextProbeAt { get; set; } = nextProbeAt;

        public bool Probing { get; set; }

        public Queue<ProbeRecord> Probes { get; } = new(HealthObservations.ProbesKept);

        public Queue<(DateTimeOffset At, PassiveCount Count)> Passive { get; } = new();
    }

    private sealed record ProbeResult(string Key, bool Passed, string Reason, ProbeRecord Record);

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
