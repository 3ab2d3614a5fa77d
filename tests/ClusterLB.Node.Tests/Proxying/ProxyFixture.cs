using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Proxying;

/// <summary>One node in front of a real echo backend, with routes for each proxying scenario.</summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public Backends Backends { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backends = await Backends.StartAsync("alpha");
        var routes = new RouteSettings()
            .Route("echo", "/echo", "echo")
            .Cluster("echo", ("alpha", Backends[0].Url))
            .Route("dead", "/dead", "dead")
            .Cluster("dead", ("refusing", $"http://127.0.0.1:{ClosedPort.Find()}"))
            .Route("half-dead", "/half-dead", "half-dead")
            .Cluster("half-dead", ("alpha", Backends[0].Url), ("refusing", $"http://127.0.0.1:{ClosedPort.Find()}"))
            .Route("empty", "/empty", "empty")
            .With("ReverseProxy:Clusters:empty:LoadBalancingPolicy", "RoundRobin")
            .Route("slow", "/slow", "echo", timeout: "00:00:03"); // wide enough for a loaded machine; /slow/?delay=10000 still outlasts it
        Node = await TestNode.StartAsync(routes);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backends.DisposeAsync();
    }
}
