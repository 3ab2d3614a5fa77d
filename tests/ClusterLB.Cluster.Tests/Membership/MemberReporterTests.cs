using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Membership;
using ClusterLB.Cluster.Tests.Routing;
using ClusterLB.Core.Observability;

namespace ClusterLB.Cluster.Tests.Membership;

/// <summary>
/// The member reporter on a one-node cluster with real Distributed Data. Its report source is a
/// script whose clock moves one second per report taken, so which reports were published shows in
/// their times, whatever the machine's speed.
/// </summary>
public sealed class MemberReporterTests : TestKit
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public MemberReporterTests() : base(ConfigurationFactory.ParseString("akka.cluster.roles = [balancer]").WithFallback(WriterSpec.Node), "reporter-spec")
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_quiet_node_reports_every_quiet_interval_and_a_change_or_traffic_at_the_next_tick()
    {
        var quietSeconds = (int)MemberReporter.QuietInterval.TotalSeconds;
        // Report n is taken at T0 + n s. Quiet until the table version moves at report 8; traffic in reports 10-11.
        var source = new ScriptedSource(n => new MemberReport("node-1", n >= 8 ? 2 : 1, 0, 0, 0, 0, T0.AddSeconds(n))
        {
            Traffic = n is 10 or 11 ? new TrafficSummary(5, 0, LatencyHistogram.Empty) : null,
        });
        Sys.ActorOf(MemberReporter.Props(source, []));

        Assert.Equal(T0.AddSeconds(1), (await NextPublished(after: null)).At);
        var afterQuiet = await NextPublished(after: T0.AddSeconds(1));
        Assert.Equal(T0.AddSeconds(1 + quietSeconds), afterQuiet.At);

        var versionMoved = await NextPublished(after: afterQuiet.At);
        Assert.Equal(2, versionMoved.TableVersion);
        Assert.Equal(T0.AddSeconds(8), versionMoved.At);

        var busy = await NextPublished(after: versionMoved.At);
        Assert.Equal(T0.AddSeconds(10), busy.At);
        Assert.Equal(T0.AddSeconds(11), (await NextPublished(after: busy.At)).At);
    }

    /// <summary>Polls the local replica until this node's report is newer than <paramref name="after"/>.</summary>
    private async Task<MemberReport> NextPublished(DateTimeOffset? after)
    {
        var replicator = DistributedData.Get(Sys).Replicator;
        var self = Akka.Cluster.Cluster.Get(Sys).SelfAddress.ToString();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var response = await replicator.Ask<IGetResponse>(Dsl.Get(MemberReports.Key, ReadLocal.Instance), TimeSpan.FromSeconds(5));
            if (response is GetSuccess success && success.Get(MemberReports.Key).TryGetValue(self, out var report) && (after is null || report.At > after))
            {
                return report;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no report newer than {after} was published within 30 s");
    }

    private sealed class ScriptedSource(Func<int, MemberReport> script) : IMemberReportSource
    {
        private int _taken;

        public MemberReport Current() => script(Interlocked.Increment(ref _taken));
    }
}
