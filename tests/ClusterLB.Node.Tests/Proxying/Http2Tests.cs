using System.Net;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Proxying;

public sealed class Http2Tests
{
    [Fact]
    public async Task Client_speaks_HTTP2_to_a_listener_configured_for_it()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = new RouteSettings()
            .Route("echo", "/echo", "echo")
            .Cluster("echo", ("alpha", backends[0].Url))
            .With("Kestrel:Endpoints:proxy:Url", "http://127.0.0.1:0")
            .With("Kestrel:Endpoints:proxy:Protocols", "Http2");
        await using var node = await TestNode.StartAsync(settings);

        using var client = new HttpClient { BaseAddress = node.Proxy.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo/h2")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alpha", (await ProxyingTests.ReadEcho(response)).Backend);
    }
}
