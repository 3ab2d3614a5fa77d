using System.Net;
using System.Security.Cryptography.X509Certificates;
using ClusterLB.Node.Listeners;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.Proxying;

namespace ClusterLB.Node.Tests.Https;

/// <summary>
/// The proxy terminates TLS on listeners configured the ASP.NET way (<c>Kestrel:Endpoints</c>, <c>Urls</c>):
/// certificates from PEM or PFX files, per host name by SNI, HTTP/2 by ALPN, replaced files picked up live.
/// </summary>
public sealed class HttpsListenerTests
{
    private static readonly TestCertificateAuthority Authority = new("ClusterLB HTTPS test CA");

    [Fact]
    public async Task Pem_certificate_and_key_terminate_TLS_and_requests_reach_the_backend()
    {
        var issued = Authority.Issue("pem-site");
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(Echo(backends)
            .With("Kestrel:Endpoints:web:Url", "https://127.0.0.1:0")
            .With("Kestrel:Endpoints:web:Certificate:Path", issued.Certificate)
            .With("Kestrel:Endpoints:web:Certificate:KeyPath", issued.Key));

        var (client, presented) = TlsProbe.RecordingClient(node.HttpsUrl());
        using (client)
        {
            using var response = await client.GetAsync("/echo/over-tls");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("alpha", (await ProxyingTests.ReadEcho(response)).Backend);
            Assert.Equal(Thumbprint(issued.Certificate), presented()!.Thumbprint);
        }
    }

    [Fact]
    public async Task Pfx_certificate_opens_with_the_password_from_configuration()
    {
        var issued = Authority.Issue("pfx-site", keyPassword: "pfx-secret");
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(Echo(backends)
            .With("Kestrel:Endpoints:web:Url", "https://127.0.0.1:0")
            .With("Kestrel:Endpoints:web:Certificate:Path", issued.Pfx)
            .With("Kestrel:Endpoints:web:Certificate:Password", "pfx-secret"));

        var handshake = await TlsProbe.HandshakeAsync(node.HttpsUrl(), "localhost");

        Assert.Equal(Thumbprint(issued.Certificate), handshake.Certificate.Thumbprint);
    }

    [Fact]
    public async Task Sni_chooses_the_certificate_by_host_name()
    {
        var shop = Authority.Issue("shop", hostNames: ["shop.example.test"]);
        var tenants = Authority.Issue("tenants", hostNames: ["*.tenants.example.test"]);
        var fallback = Authority.Issue("fallback");
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(Echo(backends)
            .With("Kestrel:Endpoints:web:Url", "https://127.0.0.1:0")
            .With("Kestrel:Endpoints:web:Sni:shop.example.test:Certificate:Path", shop.Certificate)
            .With("Kestrel:Endpoints:web:Sni:shop.example.test:Certificate:KeyPath", shop.Key)
            .With("Kestrel:Endpoints:web:Sni:*.tenants.example.test:Certificate:Path", tenants.Pfx)
            .With("Kestrel:Endpoints:web:Sni:*:Certificate:Path", fallback.Certificate)
            .With("Kestrel:Endpoints:web:Sni:*:Certificate:KeyPath", fallback.Key));

        Assert.Equal(Thumbprint(shop.Certificate), (await TlsProbe.HandshakeAsync(node.HttpsUrl(), "shop.example.test")).Certificate.Thumbprint);
        Assert.Equal(Thumbprint(tenants.Certificate), (await TlsProbe.HandshakeAsync(node.HttpsUrl(), "acme.tenants.example.test")).Certificate.Thumbprint);
        Assert.Equal(Thumbprint(fallback.Certificate), (await TlsProbe.HandshakeAsync(node.HttpsUrl(), "other.example.test")).Certificate.Thumbprint);
    }

    [Fact]
    public async Task Alpn_negotiates_HTTP2_or_HTTP11_as_the_client_offers()
    {
        var issued = Authority.Issue("alpn-site");
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(Echo(backends)
            .With("Kestrel:Endpoints:web:Url", "https://127.0.0.1:0")
            .With("Kestrel:Endpoints:web:Protocols", "Http1AndHttp2")
            .With("Kestrel:Endpoints:web:Certificate:Path", issued.Pfx));

        Assert.Equal("h2", (await TlsProbe.HandshakeAsync(node.HttpsUrl(), "localhost", "h2", "http/1.1")).Protocol);
        Assert.Equal("http/1.1", (await TlsProbe.HandshakeAsync(node.HttpsUrl(), "localhost", "http/1.1")).Protocol);

        var (client, _) = TlsProbe.RecordingClient(node.HttpsUrl());
        using (client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/echo/h2") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Certificate_files_replaced_on_disk_are_presented_to_new_connections_without_a_restart()
    {
        var directory = TempDirectory.Create("clusterlb-https-live");
        var certificate = Path.Combine(directory, "site.pem");
        var key = Path.Combine(directory, "site.key");
        var first = Authority.Issue("live-first");
        File.Copy(first.Certificate, certificate);
        File.Copy(first.Key, key);
        var port = ClosedPort.Find(); // a fixed port: the endpoint is bound again when its certificate changes
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(Echo(backends)
            .With("Kestrel:Endpoints:web:Url", $"https://127.0.0.1:{port}")
            .With("Kestrel:Endpoints:web:Certificate:Path", certificate)
            .With("Kestrel:Endpoints:web:Certificate:KeyPath", key));
        var url = new Uri($"https://127.0.0.1:{port}");
        Assert.Equal(Thumbprint(first.Certificate), (await TlsProbe.HandshakeAsync(url, "localhost")).Certificate.Thumbprint);

        var second = Authority.Issue("live-second");
        File.Copy(second.Key, key, overwrite: true);
        File.Copy(second.Certificate, certificate, overwrite: true);

        await Eventually.True(
            async () => (await TlsProbe.TryHandshakeAsync(url, "localhost"))?.Certificate.Thumbprint == Thumbprint(second.Certificate),
            TimeSpan.FromSeconds(30),
            "the replaced certificate to be presented");
        var (client, _) = TlsProbe.RecordingClient(url);
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/echo/after-rotation")).StatusCode);
        }
    }

    [Fact]
    public async Task Https_listener_without_a_certificate_gets_the_nodes_self_signed_one_kept_private_and_reused()
    {
        var dataDirectory = TempDirectory.Create("clusterlb-https-default");
        var settings = new RouteSettings().With("Urls", "http://127.0.0.1:0;https://127.0.0.1:0");
        string fingerprint;
        await using (var node = await TestNode.StartAsync(settings, dataDirectory))
        {
            var handshake = await TlsProbe.HandshakeAsync(node.HttpsUrl(), "localhost");
            var selfSigned = node.Node.SelfSignedCertificate;
            fingerprint = selfSigned.Fingerprint;

            Assert.True(selfSigned.InUse);
            Assert.Equal(SelfSignedCertificate.Format(handshake.Certificate), fingerprint);
            Assert.Equal(handshake.Certificate.Subject, handshake.Certificate.Issuer);
            foreach (var file in new[] { selfSigned.CertificatePath, selfSigned.KeyPath })
            {
                Assert.Equal(dataDirectory, Path.GetDirectoryName(file));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }

        await using (var restarted = await TestNode.StartAsync(settings, dataDirectory))
        {
            var handshake = await TlsProbe.HandshakeAsync(restarted.HttpsUrl(), "localhost");
            Assert.Equal(fingerprint, SelfSignedCertificate.Format(handshake.Certificate));
        }
    }

    [Fact]
    public void Without_listener_configuration_the_proxy_listens_on_8080_and_8443_with_the_self_signed_certificate()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build();

        var read = ClusterLB.Node.Configuration.NodeConfiguration.Read(configuration);

        Assert.Equal(["http://localhost:8080", "https://localhost:8443"], ProxyListeners.DefaultUrls);
        Assert.True(read.ProxyListeners.UsesDefaults);
        Assert.Equal(ProxyListeners.DefaultUrls, read.ProxyListeners.Urls);
        Assert.True(read.ProxyListeners.NeedsSelfSignedCertificate);
    }

    [Fact]
    public async Task Deprecated_listeners_alias_still_listens_and_says_what_replaces_it()
    {
        var logs = new CapturedLogs();
        await using var backends = await Backends.StartAsync("alpha");
        var port = ClosedPort.Find();
        await using var node = await TestNode.StartAsync(
            Echo(backends).With("Urls", null).With("ClusterLB:Listeners:0:Url", $"http://127.0.0.1:{port}"),
            logs: logs);

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/echo/alias")).StatusCode);
        var deprecation = Assert.Single(logs.Lines, l => l.Contains("ClusterLB:Listeners is deprecated", StringComparison.Ordinal));
        Assert.Contains("Kestrel:Endpoints", deprecation);
    }

    private static RouteSettings Echo(Backends backends) => new RouteSettings()
        .Route("echo", "/echo", "echo")
        .Cluster("echo", ("alpha", backends[0].Url));

    private static string Thumbprint(string pemFile) => X509CertificateLoader.LoadCertificateFromFile(pemFile).Thumbprint;
}
