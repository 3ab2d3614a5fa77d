using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ClusterLB.Core.Health;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.MultiNode;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using YarpHealth = Yarp.ReverseProxy.Model.DestinationHealth;

namespace ClusterLB.Node.Tests.Health;

/// <summary>Outlier detection from real traffic, through real nodes: fast, capped, and deaf to clients that give up.</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class OutlierDetectionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds(1);

    private static RouteSettings Passive(RouteSettings settings, string cluster) => settings
        .With($"ReverseProxy:Clusters:{cluster}:HealthCheck:Passive:Enabled", "true")
        .With($"ReverseProxy:Clusters:{cluster}:HealthCheck:Passive:Policy", "OutlierDetection");

    [Theory]
    [InlineData("answers 500")]
    [InlineData("closes its port")]
    public async Task A_destination_that_fails_under_steady_load_is_ejected_on_every_node_within_a_second(string fault)
    {
        await using var backends = await FaultyBackends.StartAsync(3);
        var settings = Passive(new RouteSettings().Route("app", "/app", "app").Cluster("app", backends.Destinations), "app");
        await using var cluster = await TestCluster.StartAsync(3, settings);
        var nodes = cluster.Running.ToList();

        using var load = new CancellationTokenSource();
        var loops = Enumerable.Range(0, 6).Select(i => SteadyLoad(nodes[i % nodes.Count].Proxy, "/app/", load.Token)).ToList();
        await Eventually.True(() => Task.FromResult(backends.All(b => b.Served >= 20)), TimeSpan.FromSeconds(20), "load reaching every backend");

        var failing = backends[1];
        long firstFailure;
        if (fault == "answers 500")
        {
            failing.Failing = true;
            firstFailure = (await Eventually.Get(() => Task.FromResult(failing.FirstFailure), TimeSpan.FromSeconds(5), "the first 500")).GetValueOrDefault();
        }
        else
        {
            firstFailure = Stopwatch.GetTimestamp();
            await failing.DisposeAsync();
        }

        var ejectedOn = new long?[nodes.Count];
        await Eventually.True(
            () =>
            {
                for (var i = 0; i < nodes.Count; i++)
                {
                    if (ejectedOn[i] is null && ProxyHealth.Of(nodes[i], "app", failing.Name) == YarpHealth.Unhealthy)
                    {
                        ejectedOn[i] = Stopwatch.GetTimestamp();
                    }
                }

                return Task.FromResult(ejectedOn.All(t => t is not null));
            },
            TimeSpan.FromSeconds(10),
            "every node ejecting the failing destination");
        var lastSent = failing.LastServed;
        await load.CancelAsync();
        await Task.WhenAll(loops);

        var perNode = ejectedOn.Select(t => Stopwatch.GetElapsedTime(firstFailure, t!.Value)).ToList();
        var detection = perNode.Max();
        output.WriteLine($"{fault}: first failure to ejected on every node {detection.TotalMilliseconds:F0} ms " +
            $"(per node: {string.Join(", ", perNode.Select(t => $"{t.TotalMilliseconds:F0} ms"))})" +
            (fault == "answers 500" ? $"; last request it received {Stopwatch.GetElapsedTime(firstFailure, lastSent).TotalMilliseconds:F0} ms after its first failure" : ""));
        Assert.True(detection < DetectionBound, $"ejected on every node {detection.TotalMilliseconds:F0} ms after the first failure");
        Assert.All(nodes, node => Assert.Equal(YarpHealth.Unknown, ProxyHealth.Of(node, "app", backends[0].Name)));
    }

    [Fact]
    public async Task When_every_destination_fails_no_more_than_the_max_ejection_percent_are_ejected()
    {
        await using var backends = await FaultyBackends.StartAsync(4);
        foreach (var backend in backends)
        {
            backend.Failing = true;
        }

        var app = backends.Destinations[..3];
        var settings = new RouteSettings()
            .Route("app", "/app", "app").Cluster("app", app)
            .Route("witness", "/witness", "witness").Cluster("witness", backends.Destinations[3]);
        settings = Passive(Passive(settings, "app"), "witness");
        await using var node = await TestNode.StartAsync(settings);

        await Eventually.True(
            async () =>
            {
                await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => node.Proxy.GetAsync("/app/")));
                return app.Any(d => ProxyHealth.Of(node, "app", d.Id) == YarpHealth.Unhealthy);
            },
            TimeSpan.FromSeconds(10),
            "a first ejection");

        // The two left fail many times over the consecutive threshold; then a witness in another cluster
        // is ejected, which shows that the windows holding those failures have been judged.
        for (var i = 0; i < 40; i++)
        {
            using var response = await node.Proxy.GetAsync("/app/");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        await ProxyHealth.FailUntilOut(node, "/witness/", "witness", "d4");

        // 50 % of 3: the first ejection is always allowed, a second would make 67 %.
        var ejected = Assert.Single(app, d => ProxyHealth.Of(node, "app", d.Id) == YarpHealth.Unhealthy);
        var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
        Assert.Equal([$"app/{ejected.Id}", "witness/d4"], status!.Ejected.Select(e => e.Destination));
        Assert.All(status.Ejected, e => Assert.Contains("consecutive failed requests", e.Reason));
    }

    [Fact]
    public async Task Clients_that_give_up_on_every_request_never_eject_the_destination()
    {
        await using var backends = await Backends.StartAsync("slow", "witness");
        var settings = new RouteSettings()
            .Route("victim", "/victim", "victim").Cluster("victim", ("b1", backends[0].Url))
            .Route("witness", "/witness", "witness").Cluster("witness", ("b2", backends[1].Url));
        settings = Passive(Passive(settings, "victim"), "witness");
        await using var node = await TestNode.StartAsync(settings);

        // Far more than five in a row: each client gives up 100 ms into a 5 s answer.
        using var impatient = new HttpClient { BaseAddress = node.Proxy.BaseAddress, Timeout = TimeSpan.FromMilliseconds(100) };
        var abandoned = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 60), new ParallelOptions { MaxDegreeOfParallelism = 12 }, async (_, _) =>
        {
            try
            {
                using var response = await impatient.GetAsync("/victim/?delay=5000");
            }
            catch (TaskCanceledException)
            {
                Interlocked.Increment(ref abandoned);
            }
        });
        Assert.Equal(60, abandoned);

        await ProxyHealth.FailUntilOut(node, "/witness/status/500", "witness", "b2");

        Assert.Equal(YarpHealth.Unknown, ProxyHealth.Of(node, "victim", "b1"));
    }

    [Fact]
    public async Task Below_the_panic_threshold_traffic_goes_to_every_destination_and_without_one_only_to_the_available()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        var destinations = backends.Servers.Select(b => (b.Name, b.Url)).ToArray();
        var settings = new RouteSettings()
            .Route("panic", "/panic", "panic").Cluster("panic", destinations).FastActiveHealth("panic")
            .With($"ReverseProxy:Clusters:panic:Metadata:{HealthPolicyMetadata.PanicThresholdPercent}", "50")
            .Route("plain", "/plain", "plain").Cluster("plain", destinations).FastActiveHealth("plain");
        await using var node = await TestNode.StartAsync(settings);

        // One of three out: 67 % available, above the threshold; the panic cluster avoids it too.
        backends[1].FailingHealth = true;
        await Eventually.True(() => Task.FromResult(ProxyHealth.Of(node, "panic", "b2") == YarpHealth.Unhealthy && ProxyHealth.Of(node, "plain", "b2") == YarpHealth.Unhealthy), TimeSpan.FromSeconds(20), "b2 out");
        Assert.Equal(["b1", "b3"], await AnsweredBy(node, "/panic/"));

        // Two of three out: 33 % available, under the threshold: all three take traffic again.
        backends[2].FailingHealth = true;
        await Eventually.True(() => Task.FromResult(ProxyHealth.Of(node, "panic", "b3") == YarpHealth.Unhealthy && ProxyHealth.Of(node, "plain", "b3") == YarpHealth.Unhealthy), TimeSpan.FromSeconds(20), "b3 out");
        Assert.Equal(["b1", "b2", "b3"], await AnsweredBy(node, "/panic/"));
        Assert.Equal(["b1"], await AnsweredBy(node, "/plain/"));
    }

    private static async Task<List<string>> AnsweredBy(TestNode node, string path)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 12; i++)
        {
            using var response = await node.Proxy.GetAsync(path);
            names.Add(response.Headers.GetValues(EchoServer.BackendHeader).Single());
        }

        return names.ToList();
    }

    private static async Task SteadyLoad(HttpClient proxy, string path, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await proxy.GetAsync(path, stop);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Backends that answer 200, or 500 to everything once told to fail; they note when they served.</summary>
    private sealed class FaultyBackends : List<FaultyBackend>, IAsyncDisposable
    {
        public (string Id, string Address)[] Destinations => this.Select(b => (b.Name, b.Url)).ToArray();

        public static async Task<FaultyBackends> StartAsync(int count)
        {
            var backends = new FaultyBackends();
            for (var i = 1; i <= count; i++)
            {
                backends.Add(await FaultyBackend.StartAsync($"d{i}"));
            }

            return backends;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var backend in this)
            {
                await backend.DisposeAsync();
            }
        }
    }

    private sealed class FaultyBackend : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private long _firstFailure;
        private long _lastServed;
        private long _served;
        private int _disposed;

        private FaultyBackend(string name, WebApplication app)
        {
            Name = name;
            _app = app;
        }

        public string Name { get; }

        public string Url => LoopbackApp.UrlOf(_app);

        public volatile bool Failing;

        public long Served => Interlocked.Read(ref _served);

        public long? FirstFailure => Interlocked.Read(ref _firstFailure) is var t and not 0 ? t : null;

        public long LastServed => Interlocked.Read(ref _lastServed);

        public static async Task<FaultyBackend> StartAsync(string name)
        {
            FaultyBackend? backend = null;
            var app = LoopbackApp.CreateBuilder().Build();
            app.Run(context => backend!.Serve(context));
            backend = new FaultyBackend(name, app);
            await app.StartAsync();
            return backend;
        }

        private Task Serve(HttpContext context)
        {
            var now = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _served);
            Interlocked.Exchange(ref _lastServed, now);
            context.Response.Headers[EchoServer.BackendHeader] = Name;
            if (!Failing)
            {
                return context.Response.WriteAsync(Name);
            }

            Interlocked.CompareExchange(ref _firstFailure, now, 0);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
    }
}
