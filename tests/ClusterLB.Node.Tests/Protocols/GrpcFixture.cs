using ClusterLB.EchoBackend;
using ClusterLB.EchoBackend.Grpc;
using ClusterLB.Node.Tests.Infrastructure;
using Grpc.Net.Client;

namespace ClusterLB.Node.Tests.Protocols;

/// <summary>
/// A gRPC client's path end to end: the client speaks h2c to a node, whose cluster speaks h2c
/// (<c>HttpRequest.Version</c> 2, <c>RequestVersionExact</c>) to an echo backend.
/// </summary>
public sealed class GrpcFixture : IAsyncLifetime
{
    public EchoServer Backend { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public Echo.EchoClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await ProtocolNodes.StartH2cBackendAsync("grpc-alpha");
        var routes = new RouteSettings()
            .GrpcService("echo-grpc", Echo.Descriptor.FullName, "grpc")
            .Cluster("grpc", ("alpha", Backend.H2cUrl!))
            .RequestVersion("grpc", "2", "RequestVersionExact");
        Node = await ProtocolNodes.StartWithH2cListenerAsync(routes);
        Channel = GrpcChannel.ForAddress(Node.Proxy.BaseAddress!);
        Client = new Echo.EchoClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Node.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
