using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using ClusterLB.Node.Observability;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Benchmarks;

/// <summary>
/// What the observability API costs a request: its traffic recorded into the node's and its
/// destination's rolling windows, and a keyed request's affinity hit counted with a metrics listener on.
/// </summary>
public class ObservabilityBenchmarks
{
    private readonly TrafficRecorder _traffic = new();
    private readonly DestinationState[] _destinations = Enumerable.Range(0, 20).Select(i => new DestinationState($"d{i}")).ToArray();
    private ProxyMetrics _metrics = null!;
    private MeterListener _listener = null!;
    private ServiceProvider _services = null!;
    private int _next;
    private long _measured;

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _metrics = new ProxyMetrics(_services.GetRequiredService<IMeterFactory>(), _services);
        // As the OpenTelemetry exporter does: listen to every ClusterLB instrument.
        _listener = new MeterListener { InstrumentPublished = (instrument, listener) => { if (instrument.Meter.Name == ProxyMetrics.MeterName) listener.EnableMeasurementEvents(instrument); } };
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => _measured++);
        _listener.Start();
        _metrics.AffinityHit("c1", AffinityHitVia.Home);
        if (_measured != 1)
        {
            throw new InvalidOperationException("The listener does not receive the affinity counter: the benchmark would measure nothing.");
        }

        foreach (var destination in _destinations)
        {
            var now = Stopwatch.GetTimestamp();
            _traffic.Record("c1", destination, now, now, failed: false);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    [Benchmark(Description = "per request: traffic recorded into the node's and the destination's windows (20 destinations)")]
    public void RecordTraffic()
    {
        var destination = _destinations[_next++ % _destinations.Length];
        var endedAt = Stopwatch.GetTimestamp();
        _traffic.Record("c1", destination, endedAt - 1_000, endedAt, failed: false);
    }

    [Benchmark(Description = "per keyed request: affinity hit counted, with a listener")]
    public void CountAffinityHit() => _metrics.AffinityHit("c1", AffinityHitVia.Home);
}
