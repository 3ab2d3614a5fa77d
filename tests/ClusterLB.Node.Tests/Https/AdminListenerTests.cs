using System.Net;
using ClusterLB.Node.Hosting;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Https;

/// <summary>
/// The admin listener is <c>ClusterLB:AdminUrl</c> alone: it can speak HTTPS with its own certificate,
/// and never picks up the proxy's <c>Urls</c>, <c>ASPNETCORE_URLS</c> or <c>Kestrel</c> settings.
/// </summary>
public sealed class AdminListenerTests
{
    private static readonly TestCertificateAuthority Authority = new("ClusterLB admin test CA");

    [Fact]
    public async Task Admin_listener_speaks_HTTPS_with_its_own_certificate()
    {
        var issued = Authority.Issue("admin");
        await using var node = await TestNode.StartAsync(
            new RouteSettings()
                .With("ClusterLB:AdminUrl", "https://127.0.0.1:0")
                .With("ClusterLB:Admin:Certificate:Path", issued.Certificate)
                .With("ClusterLB:Admin:Certificate:KeyPath", issued.Key),
            waitUntilReady: false);

        Assert.StartsWith("https://", node.Node.AdminUrl);
        var (client, presented) = TlsProbe.RecordingClient(new Uri(node.Node.AdminUrl));
        using (client)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", TestNode.ReadToken);
            await Eventually.True(async () => (await client.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "admin readiness over https");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/status")).StatusCode);
            Assert.Equal(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(issued.Certificate).Thumbprint, presented()!.Thumbprint);
        }
    }

    [Fact]
    public async Task ASPNETCORE_URLS_and_the_Kestrel_section_are_the_proxys_alone()
    {
        var directory = TempDirectory.Create("clusterlb-listeners");
        var (endpointPort, urlsPort, adminPort) = (ClosedPort.Find(), ClosedPort.Find(), ClosedPort.Find());
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), $$"""
            { "Kestrel": { "Endpoints": { "web": { "Url": "http://127.0.0.1:{{endpointPort}}" } } } }
            """);

        using var node = NodeProcess.Start(
            directory,
            [$"--ClusterLB:DataDirectory={Path.Combine(directory, "data")}", $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}"],
            variables: new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{urlsPort}" });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        await Eventually.True(
            async () => !node.HasExited && (await http.GetAsync($"http://127.0.0.1:{adminPort}/healthz/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60),
            $"the node to be ready\n{node.Stdout}\n{node.Stderr}");

        // As Kestrel does: configured endpoints win over URLs. The admin API is only on its own port.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{endpointPort}/healthz/ready")).StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync($"http://127.0.0.1:{urlsPort}/"));
        Assert.Contains($"http://127.0.0.1:{endpointPort}", node.Stdout);

        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task ASPNETCORE_URLS_alone_sets_where_the_proxy_listens()
    {
        var directory = TempDirectory.Create("clusterlb-listeners");
        var (urlsPort, adminPort) = (ClosedPort.Find(), ClosedPort.Find());

        using var node = NodeProcess.Start(
            directory,
            [$"--ClusterLB:DataDirectory={Path.Combine(directory, "data")}", $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}"],
            variables: new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{urlsPort}" });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        await Eventually.True(
            async () => !node.HasExited && (await http.GetAsync($"http://127.0.0.1:{adminPort}/healthz/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60),
            $"the node to be ready\n{node.Stdout}\n{node.Stderr}");

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{urlsPort}/healthz/ready")).StatusCode);
        Assert.DoesNotContain(":8443", node.Stdout);
        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }
}
