using ClusterLB.EchoBackend;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Protocols;

/// <summary>Nodes and backends for protocol tests: HTTP/2 listeners, h2c backends, HTTP/2 clusters.</summary>
internal static class ProtocolNodes
{
    /// <summary>
    /// Starts a node whose proxy listener speaks HTTP/2 only in cleartext (h2c), as gRPC clients
    /// connect without TLS. The only place protocol tests name listener settings.
    /// </summary>
    public static Task<TestNode> StartWithH2cListenerAsync(RouteSettings routes) => TestNode.StartAsync(routes
        .With("Urls", null)
        .With("Kestrel:Endpoints:h2c:Url", "http://127.0.0.1:0")
        .With("Kestrel:Endpoints:h2c:Protocols", "Http2"));

    /// <summary>Starts an echo backend with an HTTP/1.1 endpoint and an HTTP/2-only cleartext (h2c) endpoint.</summary>
    public static async Task<EchoServer> StartH2cBackendAsync(string name)
    {
        var backend = EchoServer.Create(name, new EchoEndpoints("http://127.0.0.1:0") { H2cUrl = "http://127.0.0.1:0" });
        await backend.StartAsync();
        return backend;
    }

    /// <summary>Makes <paramref name="cluster"/> send requests at HTTP <paramref name="version"/> under <paramref name="policy"/>.</summary>
    public static RouteSettings RequestVersion(this RouteSettings routes, string cluster, string version, string policy) => routes
        .With($"ReverseProxy:Clusters:{cluster}:HttpRequest:Version", version)
        .With($"ReverseProxy:Clusters:{cluster}:HttpRequest:VersionPolicy", policy);

    /// <summary>A route for every method of gRPC service <paramref name="service"/> (full name, e.g. <c>pkg.Service</c>).</summary>
    public static RouteSettings GrpcService(this RouteSettings routes, string id, string service, string cluster) => routes
        .With($"ReverseProxy:Routes:{id}:ClusterId", cluster)
        .With($"ReverseProxy:Routes:{id}:Match:Path", $"/{service}/{{method}}");
}
