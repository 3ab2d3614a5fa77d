using System.Net;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Https;

/// <summary>
/// Plain HTTP redirected to HTTPS and HSTS on HTTPS responses: on for every route with <c>ClusterLB:Https</c>,
/// and switched per route by the metadata <c>ClusterLB.HttpsRedirect</c> and <c>ClusterLB.Hsts</c>.
/// </summary>
public sealed class HttpsRedirectAndHstsTests
{
    [Fact]
    public async Task Global_redirect_and_HSTS_apply_to_routes_unless_their_metadata_switches_them_off()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await StartAsync(backends, global: true, ("plain", false));
        var https = node.HttpsUrl();

        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = node.Proxy.BaseAddress };
        using var redirected = await http.GetAsync("/secure/orders?page=2");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirected.StatusCode);
        Assert.Equal(new Uri($"https://127.0.0.1:{https.Port}/secure/orders?page=2"), redirected.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/plain/orders")).StatusCode);

        var (client, _) = TlsProbe.RecordingClient(https);
        using (client)
        {
            using var secure = await client.GetAsync("/secure/orders");
            Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
            Assert.Equal("max-age=86400; includeSubDomains", Assert.Single(secure.Headers.GetValues("Strict-Transport-Security")));
            using var plain = await client.GetAsync("/plain/orders");
            Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        }
    }

    [Fact]
    public async Task A_route_switches_redirect_and_HSTS_on_when_they_are_off_globally()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await StartAsync(backends, global: false, ("secure", true));

        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = node.Proxy.BaseAddress };
        Assert.Equal(HttpStatusCode.TemporaryRedirect, (await http.GetAsync("/secure/x")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/plain/x")).StatusCode);

        // Followed, the redirect lands on the HTTPS listener, whose response carries HSTS.
        var (client, _) = TlsProbe.RecordingClient(node.Proxy.BaseAddress!);
        using (client)
        {
            using var followed = await client.GetAsync("/secure/x");
            Assert.Equal(HttpStatusCode.OK, followed.StatusCode);
            Assert.Equal("https", followed.RequestMessage!.RequestUri!.Scheme);
            Assert.True(followed.Headers.Contains("Strict-Transport-Security"));
            using var plain = await client.GetAsync(new Uri(node.HttpsUrl(), "/plain/x"));
            Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        }
    }

    private static Task<TestNode> StartAsync(Backends backends, bool global, (string Route, bool On) exception)
    {
        var settings = new RouteSettings()
            .Route("secure", "/secure", "echo")
            .Route("plain", "/plain", "echo")
            .Cluster("echo", ("alpha", backends[0].Url))
            .With("Urls", "http://127.0.0.1:0;https://127.0.0.1:0")
            .With("ClusterLB:Https:RedirectHttp", global.ToString())
            .With("ClusterLB:Https:Hsts:Enabled", global.ToString())
            .With("ClusterLB:Https:Hsts:MaxAge", "1.00:00:00")
            .With("ClusterLB:Https:Hsts:IncludeSubDomains", "true")
            .With($"ReverseProxy:Routes:{exception.Route}:Metadata:ClusterLB.HttpsRedirect", exception.On ? "true" : "false")
            .With($"ReverseProxy:Routes:{exception.Route}:Metadata:ClusterLB.Hsts", exception.On ? "true" : "false");
        return TestNode.StartAsync(settings);
    }
}
