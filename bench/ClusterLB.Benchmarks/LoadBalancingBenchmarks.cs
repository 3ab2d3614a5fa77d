using BenchmarkDotNet.Attributes;
using ClusterLB.Cluster.Health;
using ClusterLB.Core.Health;
using ClusterLB.Node.LoadBalancing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Benchmarks;

/// <summary>
/// One load-balancing pick, which YARP makes for every proxied request, by ClusterLB's policies (and
/// YARP's own for comparison) over 3 and 30 healthy destinations with weights 1 to 4, unless the
/// case says otherwise.
/// </summary>
[MemoryDiagnoser]
public class LoadBalancingBenchmarks
{
    private ILoadBalancingPolicy _policy = null!;
    private ClusterState _cluster = null!;
    private IReadOnlyList<DestinationState> _available = null!;
    private HttpContext _context = null!;

    [Params(
        "WeightedRoundRobin",
        "PowerOfTwoChoices",
        "PowerOfTwoChoices, no weights",
        "PowerOfTwoChoices, slow start",
        "YARP PowerOfTwoChoices",
        "LeastRequests",
        "LeastRequests, no weights",
        "YARP LeastRequests",
        "YARP RoundRobin",
        "PeakEwma",
        "ConsistentHash")]
    public string Policy { get; set; } = "";

    [Params(3, 30)]
    public int Destinations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var name = Policy.Split(',')[0].Replace("YARP ", "", StringComparison.Ordinal);
        var weighted = !Policy.Contains("no weights", StringComparison.Ordinal);
        var metadata = new Dictionary<string, string> { ["ClusterLB.HashKey"] = "Header:X-User" };
        if (Policy.Contains("slow start", StringComparison.Ordinal))
        {
            metadata["ClusterLB.SlowStart"] = "01:00:00";
        }

        var destinations = Enumerable.Range(0, Destinations).ToDictionary(
            i => $"d{i}",
            i => new DestinationConfig
            {
                Address = $"http://10.0.0.{i}/",
                Metadata = weighted ? new Dictionary<string, string> { ["ClusterLB.Weight"] = $"{(i % 4) + 1}" } : null,
            });
        _cluster = new ClusterState("c1");
        // YARP sets these when it applies configuration; a benchmark has no proxy to do that.
        typeof(ClusterState).GetProperty(nameof(ClusterState.Model))!.SetValue(
            _cluster, new ClusterModel(new ClusterConfig { ClusterId = "c1", LoadBalancingPolicy = name, Metadata = metadata, Destinations = destinations }, new HttpMessageInvoker(new SocketsHttpHandler())));
        foreach (var id in destinations.Keys)
        {
            _cluster.Destinations[id] = new DestinationState(id) { ConcurrentRequestCount = id.Length % 3 };
        }

        var all = _cluster.Destinations.Values.ToArray();
        typeof(ClusterState).GetProperty(nameof(ClusterState.DestinationsState))!.SetValue(_cluster, new ClusterDestinationsState(all, all));
        _available = _cluster.DestinationsState.AvailableDestinations;

        // Every destination turned healthy a minute ago: with a slow start of an hour, each pick ramps every weight.
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var verdicts = destinations.Keys.ToDictionary(id => DestinationKey.Of("c1", id), _ => new ReplicatedVerdict(HealthVerdict.Healthy, "owner", 1, "probe", since));
        var weights = new DestinationWeights(TimeProvider.System, () => verdicts, new DestinationArrivals(TimeProvider.System));
        _policy = Policy.StartsWith("YARP ", StringComparison.Ordinal) ? Yarp(name) : name switch
        {
            "WeightedRoundRobin" => new WeightedRoundRobinPolicy(weights),
            "PowerOfTwoChoices" => new WeightedPowerOfTwoChoicesPolicy(weights),
            "LeastRequests" => new WeightedLeastRequestsPolicy(weights),
            "PeakEwma" => new PeakEwmaPolicy(weights),
            _ => new ConsistentHashPolicy(weights),
        };
        _context = new DefaultHttpContext();
        _context.Request.Headers["X-User"] = "alice";
    }

    private static ILoadBalancingPolicy Yarp(string name)
    {
        var services = new ServiceCollection();
        services.AddReverseProxy();
        return services.BuildServiceProvider().GetServices<ILoadBalancingPolicy>().Single(p => p.Name == name);
    }

    [Benchmark(Description = "pick (per request)")]
    public DestinationState? Pick() => _policy.PickDestination(_context, _cluster, _available);
}
