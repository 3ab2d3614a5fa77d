using BenchmarkDotNet.Attributes;
using ClusterLB.Cluster.Health;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Benchmarks;

/// <summary>Per-request counters, and the cost of a routing-table swap (done per change, off the request path).</summary>
public class ControlPlaneBenchmarks
{
    private readonly PassiveHealthCounters _counters = new();
    private readonly NodeState _state = new();
    private RoutingTable _table = null!;
    private InMemoryConfigProvider _yarp = null!;

    [GlobalSetup]
    public void Setup()
    {
        var clusters = Enumerable.Range(0, 50).Select(c => new ClusterDefinition
        {
            ClusterId = $"c{c}",
            Destinations = Enumerable.Range(0, 20).ToDictionary(d => $"d{d}", d => new DestinationDefinition { Address = $"http://10.{c}.0.{d}/" }),
        }).ToList();
        var routes = clusters.Select(c => new RouteDefinition { RouteId = c.ClusterId, ClusterId = c.ClusterId, Match = new RouteMatchDefinition { Path = $"/{c.ClusterId}/{{**rest}}" } });
        _table = RoutingTable.From(routes, clusters);
        _yarp = new InMemoryConfigProvider([], []);
        _counters.Record("c1", "d1", false);
    }

    [Benchmark(Description = "per request: passive-health count + node counters")]
    public void CountRequest()
    {
        _counters.Record("c1", "d1", failed: false);
        _state.CountRequest(proxyError: false);
    }

    [Benchmark(Description = "routing table (50 clusters x 20 destinations) mapped and swapped into YARP")]
    public void SwapTable()
    {
        var (routes, clusters) = YarpConfigMapper.Map(_table);
        _yarp.Update(routes, clusters);
    }

    [Benchmark(Description = "routing table validated (50 clusters x 20 destinations)")]
    public int Validate() => RoutingTableValidator.Validate(_table).Count;
}
