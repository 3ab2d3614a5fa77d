using System.Net;
using System.Security.Cryptography.X509Certificates;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ClusterLB.Node.Tests.Https;

/// <summary>
/// HTTPS to backends whose certificates come from a private CA: trusted only for a cluster whose
/// metadata <c>ClusterLB.BackendCa</c> names that CA from <c>ClusterLB:BackendTls:Authorities</c>, and host names still checked.
/// </summary>
public sealed class BackendCertificateAuthorityTests
{
    private static readonly TestCertificateAuthority Private = new("ClusterLB private backend CA");

    [Fact]
    public async Task Backend_certificate_from_a_private_CA_is_refused_until_the_cluster_names_that_CA()
    {
        await using var backend = await HttpsBackend.StartAsync(Private.Issue("backend"));

        await using (var untrusting = await TestNode.StartAsync(Settings(backend, authority: null)))
        {
            Assert.Equal(HttpStatusCode.BadGateway, (await untrusting.Proxy.GetAsync("/api/hello")).StatusCode);
        }

        await using var trusting = await TestNode.StartAsync(Settings(backend, authority: "internal"));
        using var response = await trusting.Proxy.GetAsync("/api/hello");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("private backend", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Backend_certificate_for_another_host_name_is_refused_even_from_the_named_CA()
    {
        await using var backend = await HttpsBackend.StartAsync(Private.Issue("elsewhere", hostNames: ["elsewhere.example.test"]));

        await using var node = await TestNode.StartAsync(Settings(backend, authority: "internal"));

        Assert.Equal(HttpStatusCode.BadGateway, (await node.Proxy.GetAsync("/api/hello")).StatusCode);
    }

    private static RouteSettings Settings(HttpsBackend backend, string? authority)
    {
        var settings = new RouteSettings()
            .Route("api", "/api", "private")
            .Cluster("private", ("one", backend.Url))
            .With("ClusterLB:BackendTls:Authorities:internal:Path", Private.CaCertificatePath);
        return authority is null ? settings : settings.With("ReverseProxy:Clusters:private:Metadata:ClusterLB.BackendCa", authority);
    }

    /// <summary>A real Kestrel HTTPS backend on loopback presenting <paramref name="files"/>' certificate.</summary>
    private sealed class HttpsBackend(WebApplication app) : IAsyncDisposable
    {
        public string Url => app.Urls.First() + "/";

        public static async Task<HttpsBackend> StartAsync(NodeCertificateFiles files)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(files.Pfx, password: null);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration.Sources.Clear();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
            var app = builder.Build();
            app.Run(context => context.Response.WriteAsync("private backend"));
            await app.StartAsync();
            return new HttpsBackend(app);
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
