using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Core.Health;
using ClusterLB.Core.Observability;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Admin;

namespace ClusterLB.Node.Tests.Observability;

public sealed class ObserveViewTests
{
    private const string A = "akka.tcp://clusterlb@127.0.0.1:4053";
    private const string B = "akka.tcp://clusterlb@127.0.0.1:4054";
    private const string C = "akka.tcp://clusterlb@127.0.0.1:4055";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 7, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Traffic_of_every_node_merges_per_destination_and_a_member_without_a_report_has_nulls()
    {
        var reports = new Dictionary<string, MemberReport>
        {
            [A] = Report("node-1", Traffic(100, 0, 1_000), ("demo", "backend-1", Traffic(60, 0, 1_000)), ("demo", "backend-2", Traffic(40, 0, 1_000))),
            [B] = Report("node-2", Traffic(50, 5, 100_000), ("demo", "backend-1", Traffic(50, 5, 100_000))),
        };

        var document = Build(reports);

        var backend1 = document.Destinations.Single(d => d.Destination == "backend-1");
        Assert.Equal(11, backend1.RequestsPerSecond);
        Assert.Equal(5.0 / 110, backend1.ErrorRate, 4);
        Assert.InRange(backend1.P50Ms!.Value, 1 * 0.93, 1 * 1.07);      // 60 of 110 requests took 1 ms
        Assert.InRange(backend1.P99Ms!.Value, 100 * 0.93, 100 * 1.07);  // the rest, 100 ms
        Assert.Equal(["node-1", "node-2"], backend1.PerNode.Select(n => n.Node));
        Assert.Equal([6.0, 5.0], backend1.PerNode.Select(n => n.RequestsPerSecond));
        var backend2 = document.Destinations.Single(d => d.Destination == "backend-2");
        Assert.Equal("node-1", Assert.Single(backend2.PerNode).Node);

        var idle = document.Destinations.Single(d => d.Destination == "backend-3");
        Assert.Equal(0, idle.RequestsPerSecond);
        Assert.Equal(0, idle.ErrorRate);
        Assert.Null(idle.P50Ms);
        Assert.Empty(idle.PerNode);

        var silent = document.Nodes.Single(n => n.Address == C);
        Assert.Null(silent.Node);
        Assert.Null(silent.RequestsPerSecond);
        Assert.Null(silent.CpuPercent);
        Assert.Null(silent.ReportAgeSeconds);
        var first = document.Nodes.Single(n => n.Address == A);
        Assert.Equal(10, first.RequestsPerSecond);
        Assert.Equal(2.5, first.CpuPercent);
        Assert.Equal(0.5, first.ReportAgeSeconds);
        Assert.Equal(0, first.TableVersionsBehind);
    }

    [Fact]
    public void A_destination_shows_its_owners_probes_and_passive_counts_and_the_verdict_this_node_applies()
    {
        var probers = new[] { A, B };
        var key = DestinationKey.Of("demo", "backend-3");
        var owner = ProbeOwnership.Owner(key, probers)!;
        var probes = new[] { new ProbeRecord(Now, false, null, 1000, "probe timed out") };
        var reports = new Dictionary<string, MemberReport>
        {
            [A] = Report("node-1", TrafficSummary.Empty),
            [B] = Report("node-2", TrafficSummary.Empty),
        };
        reports[owner] = reports[owner] with { Owned = [new OwnedDestinationHealth(key, probes, new PassiveCount(3, 10, 3), 10)] };
        var verdict = new ReplicatedVerdict(HealthVerdict.Unhealthy, owner, 4, "probe timed out", Now.AddSeconds(-5), Now.AddSeconds(25), 1);

        var destination = Build(reports, k => k == key ? verdict : null).Destinations.Single(d => d.Destination == "backend-3");

        Assert.Equal(reports[owner].Node, destination.ProbeOwner);
        Assert.Equal("probe timed out", Assert.Single(destination.RecentProbes).Error);
        Assert.Equal(new ObservedPassive(10, 3, 3, 10), destination.Passive);
        Assert.Equal("probe timed out", destination.HealthReason);
        Assert.Equal(Now.AddSeconds(25).UtcDateTime, destination.Ejected!.Until);
        Assert.Equal(2, destination.Weight);
    }

    private static ObserveDocument Build(IReadOnlyDictionary<string, MemberReport> reports, Func<string, ReplicatedVerdict?>? verdicts = null) =>
        ObserveView.Build(
            Now,
            "node-1",
            10,
            [new ClusterMember(A, "Up", true, true, true), new ClusterMember(B, "Up", true, false, false), new ClusterMember(C, "Joining", true, false, false)],
            reports,
            [A, B],
            [
                new DestinationView("demo", "backend-1", "http://10.0.0.1/", DestinationAdminState.Active, null, null, "Healthy"),
                new DestinationView("demo", "backend-2", "http://10.0.0.2/", DestinationAdminState.Active, null, null, "Healthy"),
                new DestinationView("demo", "backend-3", "http://10.0.0.3/", DestinationAdminState.Active, null, "2", "Unhealthy"),
            ],
            verdicts ?? (_ => null),
            []);

    private static MemberReport Report(string node, TrafficSummary traffic, params (string Cluster, string Destination, TrafficSummary Traffic)[] destinations) =>
        new(node, 7, 3, 1000, 0, 0, Now.AddSeconds(-0.5))
        {
            WindowSeconds = 10,
            Traffic = traffic,
            Destinations = destinations.Select(d => new DestinationTraffic(d.Cluster, d.Destination, d.Traffic.Requests, d.Traffic.Errors, d.Traffic.Latency)).ToList(),
            CpuPercent = 2.5,
            MemoryMb = 150,
            ReplicationLagSeconds = 0.02,
        };

    private static TrafficSummary Traffic(int requests, int errors, long microseconds)
    {
        var window = new TrafficWindow(10);
        for (var i = 0; i < requests; i++)
        {
            window.Record(5, microseconds, error: i < errors);
        }

        return window.Summary(6);
    }
}
