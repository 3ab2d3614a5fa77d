using System.Diagnostics;
using ClusterLB.Node.Observability;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Tests.Observability;

public sealed class TrafficRecorderTests
{
    // Requests end a second before the test starts: in the last complete second whatever the clock's phase.
    private readonly long _secondAgo = Stopwatch.GetTimestamp() - Stopwatch.Frequency;

    [Fact]
    public void Each_destination_with_traffic_is_read_in_order_and_every_request_counts_for_the_node()
    {
        var recorder = new TrafficRecorder();
        var b = new DestinationState("b");
        var a = new DestinationState("a");
        Record(recorder, "web", b, 3, failed: true);
        Record(recorder, "web", a, 2, failed: false);
        Record(recorder, "api", new DestinationState("b"), 1, failed: false); // YARP keeps one state per destination of a cluster
        recorder.Record(null, null, _secondAgo - Stopwatch.Frequency / 1000, _secondAgo, failed: true); // no destination: a 503 of the proxy's own

        var (node, destinations) = recorder.Read();

        Assert.Equal(7, node.Requests);
        Assert.Equal(4, node.Errors);
        Assert.Equal([("api", "b", 1L, 0L), ("web", "a", 2L, 0L), ("web", "b", 3L, 3L)], destinations.Select(d => (d.Cluster, d.Destination, d.Requests, d.Errors)));
        Assert.InRange(destinations[1].Latency.Percentile(0.5)!.Value, 0.93, 1.07);
    }

    [Fact]
    public void Destinations_beyond_the_tracked_maximum_count_for_the_node_only()
    {
        var recorder = new TrafficRecorder();
        for (var i = 0; i <= TrafficRecorder.MaxTrackedDestinations; i++)
        {
            Record(recorder, "many", new DestinationState($"d{i}"), 1, failed: false);
        }

        var (node, destinations) = recorder.Read();

        Assert.Equal(TrafficRecorder.MaxTrackedDestinations + 1, node.Requests);
        Assert.Equal(TrafficRecorder.MaxReportedDestinations, destinations.Count);
    }

    private void Record(TrafficRecorder recorder, string cluster, DestinationState destination, int requests, bool failed)
    {
        for (var i = 0; i < requests; i++)
        {
            recorder.Record(cluster, destination, _secondAgo - Stopwatch.Frequency / 1000, _secondAgo, failed);
        }
    }
}
