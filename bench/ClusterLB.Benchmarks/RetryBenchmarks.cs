using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using ClusterLB.Cluster.Health;
using ClusterLB.Core.Retries;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Retries;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Benchmarks;

/// <summary>
/// The retry step of the YARP pipeline for a request that does not fail: what it adds to every proxied
/// request with retries off, on with the defaults, and on for 502/503 too. The forwarder is a stand-in
/// that completes at once (the step's own cost) or after a yield (as a real forward does, so that the
/// step's async state is kept on the heap).
/// </summary>
[MemoryDiagnoser]
public class RetryBenchmarks
{
    private static readonly RequestDelegate Forwarded = context =>
    {
        var proxy = context.GetReverseProxyFeature();
        proxy.ProxiedDestination = proxy.AvailableDestinations[0];
        return Task.CompletedTask;
    };

    private static readonly RequestDelegate ForwardedLater = async context =>
    {
        await Task.Yield();
        await Forwarded(context);
    };

    private RequestRetries _retries = null!;
    private HttpContext _off = null!;
    private HttpContext _on = null!;
    private HttpContext _status = null!;

    [GlobalSetup]
    public void Setup()
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var policies = new RetryPolicies(TimeProvider.System, meters);
        var destinations = new Dictionary<string, DestinationDefinition>
        {
            ["d1"] = new() { Address = "http://10.0.0.1/" },
            ["d2"] = new() { Address = "http://10.0.0.2/" },
        };
        ClusterDefinition Cluster(string id, string? attempts = null, string? on = null) => new()
        {
            ClusterId = id,
            Destinations = destinations,
            Metadata = new Dictionary<string, string?> { [RetryMetadata.Attempts] = attempts, [RetryMetadata.On] = on }
                .Where(m => m.Value is not null).ToDictionary(m => m.Key, m => m.Value!),
        };
        policies.Applying(RoutingTable.From(
            [new RouteDefinition { RouteId = "r", ClusterId = "on", Match = new RouteMatchDefinition { Path = "/{**rest}" } }],
            [Cluster("off", attempts: "0"), Cluster("on"), Cluster("status", on: "connect-failure,reset,502,503")]));
        _retries = new RequestRetries(policies, new PassiveHealthCounters(), TimeProvider.System, NullLogger<RequestRetries>.Instance);
        _off = Request("off");
        _on = Request("on");
        _status = Request("status");
    }

    [Benchmark(Baseline = true, Description = "retries off (Attempts=0), forwarder completes at once")]
    public Task Off() => _retries.InvokeAsync(_off, Forwarded);

    [Benchmark(Description = "retries on (defaults), forwarder completes at once")]
    public Task On() => _retries.InvokeAsync(_on, Forwarded);

    [Benchmark(Description = "retries on, also on 502/503, forwarder completes at once")]
    public Task OnWithStatus() => _retries.InvokeAsync(_status, Forwarded);

    [Benchmark(Description = "retries off, forwarder completes later")]
    public void OffLater() => _retries.InvokeAsync(_off, ForwardedLater).GetAwaiter().GetResult();

    [Benchmark(Description = "retries on (defaults), forwarder completes later")]
    public void OnLater() => _retries.InvokeAsync(_on, ForwardedLater).GetAwaiter().GetResult();

    private static HttpContext Request(string clusterId)
    {
        var cluster = new ClusterState(clusterId);
        var config = new ClusterConfig { ClusterId = clusterId };
        var model = new ClusterModel(config, new HttpMessageInvoker(new SocketsHttpHandler()));
        var destinations = new List<DestinationState> { new("d1"), new("d2") };
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Features.Set<IReverseProxyFeature>(new ReverseProxyFeature
        {
            Route = new RouteModel(new RouteConfig { RouteId = "r", ClusterId = clusterId }, cluster, HttpTransformer.Default),
            Cluster = model,
            AllDestinations = destinations,
            AvailableDestinations = destinations,
        });
        return context;
    }
}
