using ClusterLB.EchoBackend.Grpc;
using ClusterLB.Node.Tests.Infrastructure;
using Grpc.Net.Client;

namespace ClusterLB.Node.Tests.Protocols;

public sealed class GrpcFailoverTests
{
    [Fact]
    public async Task Streaming_call_whose_destination_refuses_the_connection_is_served_by_another_destination()
    {
        await using var backend = await ProtocolNodes.StartH2cBackendAsync("alpha");
        var routes = new RouteSettings()
            .GrpcService("echo-grpc", Echo.Descriptor.FullName, "grpc")
            .Cluster("grpc", ("alpha", backend.H2cUrl!), ("refusing", $"http://127.0.0.1:{ClosedPort.Find()}"))
            .RequestVersion("grpc", "2", "RequestVersionExact");
        await using var node = await ProtocolNodes.StartWithH2cListenerAsync(routes);
        using var channel = GrpcChannel.ForAddress(node.Proxy.BaseAddress!);
        var client = new Echo.EchoClient(channel);

        // Round robin sends every other call to the refusing destination first. The body of an HTTP/2
        // request is not read before the connection exists, so the call is sent on whole.
        for (var i = 0; i < 6; i++)
        {
            using var call = client.ClientStream();
            await call.RequestStream.WriteAsync(new EchoRequest { Number = 2 });
            await call.RequestStream.WriteAsync(new EchoRequest { Number = 3 });
            await call.RequestStream.CompleteAsync();
            var reply = await call;

            Assert.Equal(5, reply.Sum);
            Assert.Equal("alpha", reply.Backend);
        }
    }
}
