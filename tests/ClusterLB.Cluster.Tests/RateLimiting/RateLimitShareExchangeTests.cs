using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.RateLimiting;
using ClusterLB.Cluster.Tests.Routing;
using ClusterLB.Core.RateLimiting;

namespace ClusterLB.Cluster.Tests.RateLimiting;

/// <summary>
/// The rate-limit exchange of one node in a real two-node cluster over loopback remoting. The peer
/// records what arrives in place of its own exchange; the demand is scripted per interval, so what
/// was sent shows in how many intervals had passed when it arrived, whatever the machine's speed.
/// </summary>
public sealed class RateLimitShareExchangeTests : TestKit
{
    private static readonly Config Balancer = ConfigurationFactory.ParseString("akka.cluster.roles = [balancer]").WithFallback(WriterSpec.Node);

    private readonly ActorSystem _peer;
    private readonly ConcurrentQueue<(int Interval, DemandReport Report)> _arrived = new();
    private readonly ScriptedDemand _demand = new();

    public RateLimitShareExchangeTests() : base(Balancer, "exchange-spec")
    {
        _peer = ActorSystem.Create(Sys.Name, Balancer);
        var self = Akka.Cluster.Cluster.Get(Sys);
        self.Join(self.SelfAddress);
        Akka.Cluster.Cluster.Get(_peer).Join(self.SelfAddress);
        AwaitCondition(() => new[] { Sys, _peer }.All(s => Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2),
            TimeSpan.FromSeconds(30));
        _peer.ActorOf(Props.Create(() => new Recorder(_arrived, _demand)), RateLimitShareExchange.Name);
    }

    protected override void AfterAll()
    {
        _peer.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
    }

    [Fact]
    public void Without_demand_a_node_tells_its_peers_once_then_only_every_quiet_resend_and_leaves_the_proxy_alone()
    {
        Sys.ActorOf(RateLimitShareExchange.Props(_demand));

        AwaitCondition(() => _arrived.Count >= 2, TimeSpan.FromSeconds(30));
        var reports = _arrived.ToArray();
        Assert.All(reports.Take(2), r => Assert.Empty(r.Report.Keys));
        Assert.True(reports[0].Interval < RateLimitShareExchange.QuietResend, $"first empty report arrived at interval {reports[0].Interval}");
        // The second empty report leaves at interval 1 + QuietResend + 1; had it left earlier it would have arrived earlier.
        Assert.True(reports[1].Interval >= RateLimitShareExchange.QuietResend + 2, $"second empty report arrived at interval {reports[1].Interval}");
        // One table for the membership and one per report sent; none in the intervals between.
        Assert.True(_demand.Rebalances <= 3, $"the proxy got {_demand.Rebalances} share tables in {reports[1].Interval} quiet intervals");
    }

    [Fact]
    public void With_demand_a_node_reports_every_interval_and_falls_quiet_when_demand_stops()
    {
        const ulong key = 42;
        _demand.Script = interval => interval is >= 3 and <= 10 ? new Dictionary<ulong, double> { [key] = 10.0 } : new Dictionary<ulong, double>();
        Sys.ActorOf(RateLimitShareExchange.Props(_demand));

        AwaitCondition(() => _arrived.Count(r => r.Report.Keys.Length > 0) >= 8, TimeSpan.FromSeconds(30));
        var busy = _arrived.Where(r => r.Report.Keys.Length > 0).ToArray();
        Assert.Equal(8, busy.Length);
        Assert.All(busy, r => Assert.Equal([key], r.Report.Keys));
        Assert.All(busy, r => Assert.Equal([10.0], r.Report.Demands));

        // Demand stops at interval 11: one empty report says so, then the peer hears nothing until the resend.
        var resend = 11 + RateLimitShareExchange.QuietResend + 1;
        AwaitCondition(() => _arrived.Any(r => r.Interval >= resend && r.Report.Keys.Length == 0), TimeSpan.FromSeconds(30));
        var quiet = _arrived.Where(r => r.Interval >= 11 && r.Interval < resend).ToArray();
        Assert.True(quiet.Length == 1 && quiet[0].Report.Keys.Length == 0,
            $"reports at interval:keys {string.Join(", ", _arrived.Select(r => $"{r.Interval}:{r.Report.Keys.Length}"))}; one empty report was expected in intervals 11-{resend - 1}");
    }

    private sealed class ScriptedDemand : IRateLimitDemand
    {
        private int _interval;
        private int _rebalances;

        public Func<int, IReadOnlyDictionary<ulong, double>> Script { get; set; } = _ => new Dictionary<ulong, double>();

        public int Interval => Volatile.Read(ref _interval);

        public int Rebalances => Volatile.Read(ref _rebalances);

        public IReadOnlyDictionary<ulong, double> TakeDemand() => Script(Interlocked.Increment(ref _interval));

        public void Rebalance(ShareTable shares) => Interlocked.Increment(ref _rebalances);
    }

    /// <summary>Stands in for the peer's exchange: notes each report with the sender's interval at arrival.</summary>
    private sealed class Recorder : ReceiveActor
    {
        public Recorder(ConcurrentQueue<(int, DemandReport)> arrived, ScriptedDemand demand) =>
            Receive<DemandReport>(report => arrived.Enqueue((demand.Interval, report)));
    }
}
