using BenchmarkDotNet.Attributes;
using ClusterLB.Node.Health;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Benchmarks;

/// <summary>The available-destinations pick, which YARP calls for every proxied request.</summary>
public class DestinationPolicyBenchmarks
{
    private readonly ClusterVerdictDestinationsPolicy _policy = new(ClusterVerdictDestinationsPolicy.HealthyAndUnknown, panicWhenNoneHealthy: false);
    private readonly ClusterConfig _config = new() { ClusterId = "c" };
    private IReadOnlyList<DestinationState> _healthy = null!;
    private IReadOnlyList<DestinationState> _oneDown = null!;

    [GlobalSetup]
    public void Setup()
    {
        _healthy = Enumerable.Range(1, 10).Select(i => new DestinationState($"d{i}")).ToList();
        var oneDown = Enumerable.Range(1, 10).Select(i => new DestinationState($"d{i}")).ToList();
        oneDown[3].Health.Active = DestinationHealth.Unhealthy;
        _oneDown = oneDown;
    }

    [Benchmark(Description = "available destinations, 10 healthy (per request)")]
    public int AllHealthy() => _policy.GetAvailalableDestinations(_config, _healthy).Count;

    [Benchmark(Description = "available destinations, 1 of 10 unhealthy (per request)")]
    public int OneUnhealthy() => _policy.GetAvailalableDestinations(_config, _oneDown).Count;
}
