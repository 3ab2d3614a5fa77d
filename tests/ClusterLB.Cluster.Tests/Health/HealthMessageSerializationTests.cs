using System.Text;
using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Serialization;
using ClusterLB.Cluster.Tests.Routing;
using ClusterLB.Core.Health;

namespace ClusterLB.Cluster.Tests.Health;

/// <summary>Health messages cross the wire between nodes of different versions during a rolling upgrade.</summary>
public sealed class HealthMessageSerializationTests() : TestKit(WriterSpec.Node)
{
    private ClusterLBSerializer Serializer => (ClusterLBSerializer)Sys.Serialization.FindSerializerForType(typeof(PassiveReport));

    [Fact]
    public void An_ejection_and_a_report_with_failures_in_a_row_read_back_the_same()
    {
        var verdict = new ReplicatedVerdict(HealthVerdict.Unhealthy, "akka.tcp://c@h:1", 3, "ejected", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(60), 2);
        var report = new PassiveReport(new Dictionary<string, PassiveCount> { ["app/a"] = new(4, 9, 2) });

        Assert.Equal(verdict, RoundTrip(verdict));
        Assert.Equal(report.Counts["app/a"], RoundTrip(report).Counts["app/a"]);
        Assert.Equal("health-verdict", Serializer.Manifest(verdict));
        Assert.Equal("health-passive", Serializer.Manifest(report));
    }

    [Fact]
    public void Messages_from_a_node_before_outlier_detection_read_as_no_ejection_and_no_run_of_failures()
    {
        const string verdict = """{"verdict":2,"owner":"akka.tcp://c@h:1","sequence":3,"reason":"probe 503","since":"1970-01-01T00:00:00+00:00"}""";
        const string report = """{"counts":{"app/a":{"failed":3,"total":10}}}""";

        var readVerdict = (ReplicatedVerdict)Serializer.FromBinary(Encoding.UTF8.GetBytes(verdict), "health-verdict");
        var readReport = (PassiveReport)Serializer.FromBinary(Encoding.UTF8.GetBytes(report), "health-passive");

        Assert.Equal(HealthVerdict.Unhealthy, readVerdict.Verdict);
        Assert.Null(readVerdict.EjectedUntil);
        Assert.Equal(0, readVerdict.Ejections);
        Assert.Equal(new PassiveCount(3, 10, 0), readReport.Counts["app/a"]);
        Assert.Equal(0, readReport.Counts["app/a"].Trailing);
    }

    private T RoundTrip<T>(T message) where T : notnull =>
        (T)Serializer.FromBinary(Serializer.ToBinary(message), Serializer.Manifest(message));
}
