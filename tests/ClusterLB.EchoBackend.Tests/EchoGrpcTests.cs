using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterLB.EchoBackend.Grpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClusterLB.EchoBackend.Tests;

public sealed class EchoGrpcTests : IAsyncLifetime
{
    private readonly string _certificateDirectory = Directory.CreateTempSubdirectory("echo-tls-").FullName;
    private EchoServer _server = null!;
    private X509Certificate2 _certificate = null!;

    public async Task InitializeAsync()
    {
        (_certificate, var certificate, var key) = SelfSignedCertificate(_certificateDirectory);
        _server = EchoServer.Create("echo-g", new EchoEndpoints("http://127.0.0.1:0")
        {
            H2cUrl = "http://127.0.0.1:0",
            TlsUrl = "https://127.0.0.1:0",
            Certificate = certificate,
            CertificateKey = key,
        });
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
        Directory.Delete(_certificateDirectory, recursive: true);
    }

    [Fact]
    public async Task Unary_over_h2c_echoes_the_message_the_backend_the_protocol_and_the_asked_headers()
    {
        using var channel = GrpcChannel.ForAddress(_server.H2cUrl!);
        var client = new Echo.EchoClient(channel);

        var reply = await client.UnaryAsync(
            new EchoRequest { Message = "hi", EchoHeaders = { "x-tenant", "x-absent" } },
            new Metadata { { "x-tenant", "blue" } });

        Assert.Equal("hi", reply.Message);
        Assert.Equal("echo-g", reply.Backend);
        Assert.Equal("HTTP/2", reply.Protocol);
        Assert.Equal(new Dictionary<string, string> { ["x-tenant"] = "blue" }, reply.Headers);
    }

    [Fact]
    public async Task Unary_over_TLS_is_served_on_HTTP2()
    {
        using var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString();
        using var channel = GrpcChannel.ForAddress(_server.TlsUrl!, new GrpcChannelOptions { HttpHandler = handler });

        var reply = await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Message = "secure" });

        Assert.Equal("secure", reply.Message);
        Assert.Equal("HTTP/2", reply.Protocol);
    }

    [Fact]
    public async Task Streaming_calls_send_count_replies_add_up_and_echo_each_message()
    {
        using var channel = GrpcChannel.ForAddress(_server.H2cUrl!);
        var client = new Echo.EchoClient(channel);

        using var stream = client.ServerStream(new StreamRequest { Message = "tick", Count = 3 });
        var sequences = await stream.ResponseStream.ReadAllAsync().Select(r => r.Sequence).ToListAsync();

        using var sum = client.ClientStream();
        foreach (var number in new[] { 1, 2, 39 })
        {
            await sum.RequestStream.WriteAsync(new EchoRequest { Number = number });
        }

        await sum.RequestStream.CompleteAsync();

        Assert.Equal([0, 1, 2], sequences);
        Assert.Equal(42, (await sum).Sum);
    }

    [Fact]
    public async Task Failed_call_carries_its_status_detail_and_trailers()
    {
        using var channel = GrpcChannel.ForAddress(_server.H2cUrl!);

        var error = await Assert.ThrowsAsync<RpcException>(() => new Echo.EchoClient(channel).UnaryAsync(new EchoRequest
        {
            FailWithStatus = (int)StatusCode.NotFound,
            FailDetail = "no such order",
            Trailers = { ["x-reason"] = "archived" },
        }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("no such order", error.Status.Detail);
        Assert.Equal("archived", error.Trailers.GetValue("x-reason"));
    }

    [Fact]
    public async Task HTTP1_endpoint_refuses_HTTP2_with_prior_knowledge()
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.Url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request));
    }

    [Theory]
    [InlineData("https://127.0.0.1:0", null, "certificate")]
    [InlineData("http://127.0.0.1:0", "cert.pem", "tls-url")]
    public void Bad_TLS_settings_are_refused_naming_the_setting(string tlsUrl, string? certificate, string named)
    {
        var endpoints = new EchoEndpoints("http://127.0.0.1:0") { TlsUrl = tlsUrl, Certificate = certificate };

        var error = Assert.Throws<ArgumentException>(() => EchoServer.Create("bad", endpoints));

        Assert.Contains(named, error.Message);
    }

    private static (X509Certificate2 Certificate, string CertificateFile, string KeyFile) SelfSignedCertificate(string directory)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=echo-backend", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificateFile = Path.Combine(directory, "echo.pem");
        var keyFile = Path.Combine(directory, "echo.key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificate, certificateFile, keyFile);
    }
}
