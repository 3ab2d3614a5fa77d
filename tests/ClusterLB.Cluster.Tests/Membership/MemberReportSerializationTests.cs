using System.Text;
using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Cluster.Serialization;
using ClusterLB.Cluster.Tests.Routing;
using ClusterLB.Core.Health;
using ClusterLB.Core.Observability;

namespace ClusterLB.Cluster.Tests.Membership;

/// <summary>Member reports cross the wire every second, also between nodes of different versions during a rolling upgrade.</summary>
public sealed class MemberReportSerializationTests() : TestKit(WriterSpec.Node)
{
    private ClusterLBSerializer Serializer => (ClusterLBSerializer)Sys.Serialization.FindSerializerForType(typeof(MemberReport));

    [Fact]
    public void A_report_with_traffic_load_lag_and_probes_reads_back_the_same()
    {
        var report = Report(destinations: 3);

        var read = RoundTrip(report);

        Assert.Equal("member-report", Serializer.Manifest(report));
        Assert.Equal(report with { Destinations = [], Owned = [], Traffic = null }, read with { Destinations = [], Owned = [], Traffic = null });
        Assert.Equal(report.Traffic!.Latency.Buckets, read.Traffic!.Latency.Buckets);
        Assert.Equal(report.Traffic.Requests, read.Traffic.Requests);
        Assert.Equal(report.Destinations.Select(d => (d.Cluster, d.Destination, d.Requests, d.Errors)), read.Destinations.Select(d => (d.Cluster, d.Destination, d.Requests, d.Errors)));
        Assert.Equal(report.Destinations[1].Latency.Buckets, read.Destinations[1].Latency.Buckets);
        Assert.Equal(report.Owned[0].Probes, read.Owned[0].Probes);
        Assert.Equal(report.Owned[0].Passive, read.Owned[0].Passive);
    }

    [Fact]
    public void A_report_from_a_node_before_observability_reads_with_no_traffic_and_no_load()
    {
        const string old = """{"node":"node-1","tableVersion":4,"verdictVersion":7,"requests":100,"proxyErrors":2,"overrides":0,"at":"2026-01-01T00:00:00+00:00"}""";

        var read = (MemberReport)Serializer.FromBinary(Encoding.UTF8.GetBytes(old), "member-report");

        Assert.Equal(4, read.TableVersion);
        Assert.Null(read.Traffic);
        Assert.Null(read.CpuPercent);
        Assert.Null(read.ReplicationLagSeconds);
        Assert.Empty(read.Destinations);
        Assert.Empty(read.Owned);
    }

    [Fact]
    public void A_report_of_fifty_busy_destinations_stays_far_below_a_remoting_frame()
    {
        var bytes = Serializer.ToBinary(Report(destinations: 50)).Length;
        Console.WriteLine($"A member report with 50 busy destinations: {bytes} bytes");

        // docs/architecture.md quotes this size (about 22 kB, latencies spread over two orders of magnitude); a frame is 128 kB.
        Assert.InRange(bytes, 1, 32 * 1024);
    }

    [Fact]
    public void A_node_owning_a_third_of_ten_thousand_destinations_reports_the_most_telling_within_a_small_message()
    {
        var at = new DateTimeOffset(2026, 11, 29, 7, 0, 0, TimeSpan.Zero);
        var owned = Enumerable.Range(0, 3_337)
            .Select(i => new OwnedDestinationHealth(
                $"many/m{i}",
                Enumerable.Range(0, HealthObservations.ProbesKept).Select(p => new ProbeRecord(at.AddSeconds(p), i % 100 != 0, i % 100 != 0 ? 200 : null, 1.3, i % 100 != 0 ? null : "probe timed out")).ToList(),
                null,
                10))
            .ToList();

        var all = Serializer.ToBinary(Report(destinations: 0) with { Owned = owned }).Length;
        var reported = Report(destinations: 0) with { Owned = HealthObservations.MostTelling(owned, MemberReport.MaxOwned) };
        var bytes = Serializer.ToBinary(reported).Length;
        Console.WriteLine($"A member report of 3,337 owned destinations: {all} bytes with all of them, {bytes} bytes as reported");

        // Every member's report sits in one Distributed Data entry that gossip sends whole: three
        // reports of all their destinations would not fit the 4 MB frame.
        Assert.InRange(bytes, 1, 128 * 1024);
        Assert.Equal(MemberReport.MaxOwned, reported.Owned.Count);
        Assert.Equal(34, reported.Owned.Count(o => o.Probes.Any(p => !p.Ok))); // every failing one: m0, m100, ... m3300
    }

    private static MemberReport Report(int destinations)
    {
        var random = new Random(3);
        LatencyHistogram Latencies()
        {
            var window = new TrafficWindow(10);
            for (var i = 0; i < 500; i++)
            {
                window.Record(5, (long)(800 + random.NextDouble() * random.NextDouble() * 50_000), error: false);
            }

            return window.Summary(6).Latency;
        }

        return new MemberReport("node-1", 14, 33, 123_456, 7, 120, new DateTimeOffset(2026, 11, 29, 7, 0, 0, TimeSpan.Zero))
        {
            WindowSeconds = 10,
            Traffic = new TrafficSummary(125, 1, Latencies()),
            Destinations = Enumerable.Range(0, destinations)
                .Select(i => new DestinationTraffic("cluster-" + (i / 10), "backend-" + i, 41, i % 3, Latencies()))
                .ToList(),
            CpuPercent = 3.2,
            MemoryMb = 182.4,
            ReplicationLagSeconds = 0.031,
            Owned =
            [
                new OwnedDestinationHealth(
                    "cluster-0/backend-0",
                    [new ProbeRecord(DateTimeOffset.UnixEpoch, true, 200, 1.3, null), new ProbeRecord(DateTimeOffset.UnixEpoch.AddSeconds(5), false, null, 1000, "probe timed out")],
                    new PassiveCount(2, 90, 1),
                    10),
            ],
        };
    }

    private T RoundTrip<T>(T message) where T : notnull =>
        (T)Serializer.FromBinary(Serializer.ToBinary(message), Serializer.Manifest(message));
}
