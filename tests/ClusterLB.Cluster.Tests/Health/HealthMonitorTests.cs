using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Routing;
using ClusterLB.Cluster.Tests.Routing;
using ClusterLB.Core.Health;
using ClusterLB.Core.Routing;
using Microsoft.Extensions.Time.Testing;

namespace ClusterLB.Cluster.Tests.Health;

/// <summary>
/// The health monitor on a one-node cluster: real Distributed Data, probes through a stub HTTP
/// handler, and every "now" and probe deadline from a fake clock.
/// </summary>
public sealed class HealthMonitorTests : TestKit
{
    private static readonly Config Balancer = ConfigurationFactory.ParseString("akka.cluster.roles = [balancer]").WithFallback(WriterSpec.Node);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingConsumer _consumer = new();
    private readonly PassiveHealthCounters _counters = new();
    private readonly StubProbes _probes = new();

    public HealthMonitorTests() : base(Balancer, "health-spec")
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, TimeSpan.FromSeconds(20));
    }

    private readonly HealthObservations _observations = new();

    private IActorRef StartMonitor(ClusterDefinition cluster)
    {
        var self = Akka.Cluster.Cluster.Get(Sys).SelfUniqueAddress;
        DistributedData.Get(Sys).Replicator.Tell(RoutingTableReplication.Publish(self, RoutingTable.From([], [cluster]) with { Version = 1 }));
        var settings = new HealthSettings { ReportInterval = TimeSpan.FromMilliseconds(50) };
        return Sys.ActorOf(HealthMonitor.Props(_consumer, _counters, settings, () => new HttpClient(_probes, disposeHandler: false), _time, _observations), HealthMonitor.Name);
    }

    private static ClusterDefinition Cluster(HealthCheckDefinition health, params string[] destinations) => new()
    {
        ClusterId = "app",
        HealthCheck = health,
        Destinations = destinations.ToDictionary(d => d, d => new DestinationDefinition { Address = $"http://{d}.test/" }),
    };

    private static readonly HealthCheckDefinition Passive = new() { Passive = new PassiveHealthCheckDefinition { Enabled = true } };

    private void FailEvery(params string[] destinations)
    {
        foreach (var destination in destinations)
        {
            for (var i = 0; i < 5; i++)
            {
                _counters.Record("app", destination, failed: true);
            }
        }
    }

    [Fact]
    public void Failing_traffic_ejects_a_destination_until_the_clock_passes_its_ejection_time()
    {
        StartMonitor(Cluster(Passive, "a", "b", "c"));
        var start = _time.GetUtcNow();

        var ejected = AwaitVerdict("app/a", v => v.Verdict == HealthVerdict.Unhealthy, () => FailEvery("a"));

        Assert.Equal(start + OutlierPolicy.Default.BaseEjectionTime, ejected.EjectedUntil);
        Assert.Equal(1, ejected.Ejections);
        Assert.Contains("consecutive failed requests", ejected.Reason);

        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(HealthVerdict.Unhealthy, AwaitVerdict("app/a", v => v.Verdict == HealthVerdict.Unhealthy).Verdict);
        _time.Advance(TimeSpan.FromSeconds(1));
        var back = AwaitVerdict("app/a", v => v.Verdict != HealthVerdict.Unhealthy);
        Assert.Equal(HealthVerdict.Unknown, back.Verdict);
        Assert.Null(back.EjectedUntil);
        Assert.Equal("ejection ended", back.Reason);
    }

    [Fact]
    public void Failing_traffic_of_every_destination_ejects_no_more_than_the_cap_and_another_takes_its_turn_later()
    {
        StartMonitor(Cluster(Passive, "a", "b", "c"));

        var first = AwaitEjected(1, () => FailEvery("a", "b", "c")).Single();
        // The others went on failing while the cap held them in; once the first is back, one of them goes out.
        _time.Advance(OutlierPolicy.Default.BaseEjectionTime);
        var others = new[] { "a", "b", "c" }.Where(d => $"app/{d}" != first).ToArray();
        AwaitEjected(1, () => FailEvery(others), except: first);

        // Every state the node ever applied had at most one of three out (50 %, and the first is always allowed).
        Assert.All(_consumer.History, verdicts => Assert.True(Ejected(verdicts).Count() <= 1, string.Join(", ", Ejected(verdicts))));
    }

    [Fact]
    public void An_ejection_that_meets_an_earlier_one_of_another_owner_over_the_cap_gives_way()
    {
        StartMonitor(Cluster(Passive, "a", "b", "c"));
        var ejected = AwaitVerdict("app/a", v => v.Verdict == HealthVerdict.Unhealthy, () => FailEvery("a"));

        // Another owner ejected b a moment earlier, in the same window: 2 of 3 out is over the cap of 50 %.
        var earlier = new ReplicatedVerdict(HealthVerdict.Unhealthy, "akka.tcp://health-spec@127.0.0.1:1", 1, "ejected elsewhere", ejected.Since.AddMilliseconds(-10), ejected.EjectedUntil, 1);
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        DistributedData.Get(Sys).Replicator.Tell(Dsl.Update(
            HealthReplication.Key, LWWDictionary<string, ReplicatedVerdict>.Empty, WriteLocal.Instance, map => map.SetItem(cluster, "app/b", earlier)));

        var lifted = AwaitVerdict("app/a", v => v.Verdict != HealthVerdict.Unhealthy);
        Assert.Null(lifted.EjectedUntil);
        Assert.Equal(0, lifted.Ejections);
        Assert.Contains("lifted", lifted.Reason);
    }

    [Fact]
    public void Traffic_with_successes_between_failures_does_not_eject()
    {
        var cluster = Cluster(Passive, "a", "b", "c") with
        {
            Metadata = new Dictionary<string, string> { [HealthPolicyMetadata.MaxEjectionPercent] = "100" },
        };
        StartMonitor(cluster);
        AwaitVerdict("app/b", v => v.Verdict == HealthVerdict.Unhealthy, () => FailEvery("b"));

        // Then, for many windows: 4 of 9 requests to a fail (under the rate), never 5 in a row; until c
        // fails outright and is ejected, which shows that a's windows were judged meanwhile.
        AwaitVerdict("app/c", v => v.Verdict == HealthVerdict.Unhealthy, () =>
        {
            for (var i = 0; i < 9; i++)
            {
                _counters.Record("app", "a", failed: i < 4);
            }

            _counters.Record("app", "c", failed: true);
        });

        Assert.All(_consumer.History, verdicts => Assert.False(verdicts.TryGetValue("app/a", out var a) && a.Verdict == HealthVerdict.Unhealthy));
    }

    [Fact]
    public void Probes_go_through_the_injected_client_with_the_prober_header_and_decide_the_verdict()
    {
        _probes.Answer = HttpStatusCode.OK;
        StartMonitor(Cluster(new HealthCheckDefinition { Active = new ActiveHealthCheckDefinition { Enabled = true, Path = "/health" } }, "a"));

        Assert.Equal(HealthVerdict.Healthy, AwaitVerdict("app/a", v => v.Verdict == HealthVerdict.Healthy).Verdict);
        var probe = Assert.Single(_probes.Requests.Distinct());
        Assert.Equal("http://a.test/health", probe.Uri);
        Assert.Equal(Akka.Cluster.Cluster.Get(Sys).SelfAddress.ToString(), probe.Prober);

        // The next probe is due by the fake clock (5 s by default), not by the wall clock.
        _probes.Answer = HttpStatusCode.ServiceUnavailable;
        var sent = _probes.Requests.Count;
        _time.Advance(TimeSpan.FromSeconds(5));
        AwaitCondition(() => _probes.Requests.Count > sent, TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("probe 503", AwaitVerdict("app/a", v => v.Verdict == HealthVerdict.Unhealthy).Reason);
    }

    [Fact]
    public void A_destination_is_probed_once_per_interval_on_average_not_once_per_interval_and_a_tick()
    {
        StartMonitor(Cluster(new HealthCheckDefinition { Active = new ActiveHealthCheckDefinition { Enabled = true, Interval = TimeSpan.FromSeconds(1) } }, "a"));
        AwaitCondition(() => !_probes.Requests.IsEmpty, TimeSpan.FromSeconds(10));
        var first = _probes.Requests.Count;

        // Ten seconds by the fake clock in steps that are not a divisor of the interval, each step
        // seen by at least one whole tick of the monitor (it publishes its observations every tick).
        for (var step = 0; step < 34; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            for (var tick = 0; tick < 2; tick++)
            {
                var seen = _observations.Owned;
                AwaitCondition(() => !ReferenceEquals(_observations.Owned, seen), TimeSpan.FromSeconds(10));
            }
        }

        // 10.2 s at one probe a second: 10. Were each probe due an interval after the tick that sent it, 8.
        Assert.InRange(_probes.Requests.Count - first, 10, 11);
    }

    [Fact]
    public void A_probe_that_gets_no_answer_fails_when_the_fake_clock_passes_its_timeout()
    {
        _probes.Hang = true;
        StartMonitor(Cluster(new HealthCheckDefinition { Active = new ActiveHealthCheckDefinition { Enabled = true, Timeout = TimeSpan.FromSeconds(2) } }, "a"));
        AwaitCondition(() => !_probes.Requests.IsEmpty, TimeSpan.FromSeconds(10));

        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("probe timed out", AwaitVerdict("app/a", v => v.Verdict == HealthVerdict.Unhealthy).Reason);
    }

    private ReplicatedVerdict AwaitVerdict(string key, Func<ReplicatedVerdict, bool> condition, Action? meanwhile = null)
    {
        ReplicatedVerdict? found = null;
        AwaitCondition(
            () =>
            {
                meanwhile?.Invoke();
                return _consumer.Last.TryGetValue(key, out found) && condition(found);
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        return found!;
    }

    private List<string> AwaitEjected(int count, Action meanwhile, string? except = null)
    {
        List<string> ejected = [];
        AwaitCondition(
            () =>
            {
                meanwhile();
                ejected = Ejected(_consumer.Last).ToList();
                return ejected.Count == count && (except is null || !ejected.Contains(except));
            },
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(20));
        return ejected;
    }

    private IEnumerable<string> Ejected(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts) =>
        verdicts.Where(v => v.Value.EjectedUntil > _time.GetUtcNow()).Select(v => v.Key);

    private sealed class RecordingConsumer : IHealthVerdictConsumer
    {
        private volatile IReadOnlyDictionary<string, ReplicatedVerdict> _last = new Dictionary<string, ReplicatedVerdict>();

        public ConcurrentQueue<IReadOnlyDictionary<string, ReplicatedVerdict>> History { get; } = new();

        public IReadOnlyDictionary<string, ReplicatedVerdict> Last => _last;

        public void Apply(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts)
        {
            History.Enqueue(verdicts);
            _last = verdicts;
        }
    }

    private sealed class StubProbes : HttpMessageHandler
    {
        public volatile bool Hang;

        public HttpStatusCode Answer { get; set; } = HttpStatusCode.OK;

        public ConcurrentQueue<(string Uri, string? Prober)> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue((request.RequestUri!.ToString(), request.Headers.TryGetValues(HealthMonitor.ProberHeader, out var p) ? p.Single() : null));
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return new HttpResponseMessage(Answer);
        }
    }
}
