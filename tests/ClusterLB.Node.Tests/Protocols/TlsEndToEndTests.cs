using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using ClusterLB.EchoBackend;
using ClusterLB.EchoBackend.Grpc;
using ClusterLB.Node.Tests.Https;
using ClusterLB.Node.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterLB.Node.Tests.Protocols;

/// <summary>
/// TLS on both hops: clients reach the node over https (HTTP/2 by ALPN for gRPC, HTTP/1.1 for a
/// WebSocket), and the node reaches a gRPC backend over https whose certificate chains to a private
/// CA the cluster names, HTTP/2 negotiated by ALPN there too.
/// </summary>
public sealed class TlsEndToEndTests(TlsEndToEndTests.Fixture fixture) : IClassFixture<TlsEndToEndTests.Fixture>
{
    [Fact]
    public async Task Grpc_calls_go_over_TLS_to_the_node_and_over_TLS_to_the_backend()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Node.HttpsUrl(), new GrpcChannelOptions { HttpHandler = fixture.TrustingHandler() });
        var client = new Echo.EchoClient(channel);

        var reply = await client.UnaryAsync(new EchoRequest { Message = "sealed" });
        Assert.Equal(("sealed", "grpc-tls", "HTTP/2"), (reply.Message, reply.Backend, reply.Protocol));

        using var call = client.ServerStream(new StreamRequest { Message = "tick", Count = 20 });
        var sequence = new List<int>();
        await foreach (var item in call.ResponseStream.ReadAllAsync())
        {
            sequence.Add(item.Sequence);
        }

        Assert.Equal(Enumerable.Range(0, 20), sequence);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task A_WebSocket_over_TLS_carries_messages_both_ways_and_closes()
    {
        var uri = WebSocketSession.UriOf(fixture.Node.HttpsUrl(), "/ws-echo/ws");
        await using var session = await WebSocketSession.ConnectAsync(uri, options =>
            options.RemoteCertificateValidationCallback = (_, certificate, _, _) => fixture.ChainsToAuthority(certificate));

        foreach (var text in new[] { "one", new string('x', 100_000), "three" })
        {
            await session.SendTextAsync(text);
            Assert.Equal(text, (await session.ReceiveAsync()).Text);
        }

        await session.CloseAsync(WebSocketCloseStatus.NormalClosure, "done");
        Assert.Equal(WebSocketState.Closed, session.State);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private readonly TestCertificateAuthority _authority = new("ClusterLB protocols test CA");

        public EchoServer Backend { get; private set; } = null!;

        public EchoServer WebSocketBackend { get; private set; } = null!;

        public TestNode Node { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var backendCertificate = _authority.Issue("grpc-backend");
            var nodeCertificate = _authority.Issue("node");
            Backend = EchoServer.Create("grpc-tls", new EchoEndpoints("http://127.0.0.1:0")
            {
                TlsUrl = "https://127.0.0.1:0",
                Certificate = backendCertificate.Certificate,
                CertificateKey = backendCertificate.Key,
            });
            await Backend.StartAsync();
            WebSocketBackend = EchoServer.Create("ws-plain", "http://127.0.0.1:0");
            await WebSocketBackend.StartAsync();

            var settings = new RouteSettings()
                .GrpcService("echo-grpc", Echo.Descriptor.FullName, "grpc")
                .Cluster("grpc", ("tls", Backend.TlsUrl!))
                .With("ReverseProxy:Clusters:grpc:HttpRequest:Version", "2")
                .With("ReverseProxy:Clusters:grpc:Metadata:ClusterLB.BackendCa", "internal")
                .With("ClusterLB:BackendTls:Authorities:internal:Path", _authority.CaCertificatePath)
                .Route("ws-echo", "/ws-echo", "ws")
                .Cluster("ws", ("plain", WebSocketBackend.Url))
                .With("Urls", null)
                .With("Kestrel:Endpoints:tls:Url", "https://127.0.0.1:0")
                .With("Kestrel:Endpoints:tls:Certificate:Path", nodeCertificate.Certificate)
                .With("Kestrel:Endpoints:tls:Certificate:KeyPath", nodeCertificate.Key);
            Node = await TestNode.StartAsync(settings);
        }

        /// <summary>A handler that trusts the node's certificate through the test CA only.</summary>
        public SocketsHttpHandler TrustingHandler() => new()
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsToAuthority(certificate) },
        };

        public bool ChainsToAuthority(X509Certificate? certificate)
        {
            if (certificate is null)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(File.ReadAllText(_authority.CaCertificatePath)));
            return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        }

        public async Task DisposeAsync()
        {
            await Node.DisposeAsync();
            await Backend.DisposeAsync();
            await WebSocketBackend.DisposeAsync();
        }
    }
}
