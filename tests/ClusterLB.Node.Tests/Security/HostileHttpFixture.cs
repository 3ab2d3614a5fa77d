using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// One node in front of a recording backend, with short server timeouts so that slow clients are
/// cut off within a test's time, and a small server body limit that routes override.
/// </summary>
public sealed class HostileHttpFixture : IAsyncLifetime
{
    public const int ServerBodyLimit = 4096;
    public const int SmallRouteBodyLimit = 1024;
    public const int LargeRouteBodyLimit = 65536;
    public const int MaxRequestHeaderCount = 50;
    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan BodyGracePeriod = TimeSpan.FromSeconds(2);

    public RecordingBackend Backend { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public Uri ProxyUrl => Node.Proxy.BaseAddress!;

    public async Task InitializeAsync()
    {
        Backend = await RecordingBackend.StartAsync();
        var settings = new RouteSettings()
            .Route("rec", "/rec", "rec")
            .Cluster("rec", ("recorder", Backend.Url))
            .Route("small", "/small", "rec")
            .With("ReverseProxy:Routes:small:MaxRequestBodySize", SmallRouteBodyLimit.ToString())
            .Route("large", "/large", "rec")
            .With("ReverseProxy:Routes:large:MaxRequestBodySize", LargeRouteBodyLimit.ToString())
            // A route that gives each tenant its own part of the backend's path space.
            .With("ReverseProxy:Routes:tenant-a:ClusterId", "rec")
            .With("ReverseProxy:Routes:tenant-a:Match:Path", "/a/{**rest}")
            .With("ReverseProxy:Routes:tenant-a:Transforms:0:PathPattern", "/tenant-a/{**rest}")
            .With("Kestrel:Limits:RequestHeadersTimeout", RequestHeadersTimeout.ToString())
            .With("Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond", "100")
            .With("Kestrel:Limits:MinRequestBodyDataRate:GracePeriod", BodyGracePeriod.ToString())
            .With("Kestrel:Limits:MaxRequestBodySize", ServerBodyLimit.ToString())
            .With("Kestrel:Limits:MaxRequestHeaderCount", MaxRequestHeaderCount.ToString());
        Node = await TestNode.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
