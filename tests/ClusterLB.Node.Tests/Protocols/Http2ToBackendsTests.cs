using System.Net;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.Proxying;

namespace ClusterLB.Node.Tests.Protocols;

/// <summary>One node in front of one echo backend, reached by clusters asking for different HTTP versions.</summary>
public sealed class Http2ToBackendsFixture : IAsyncLifetime
{
    public EchoServer Backend { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await ProtocolNodes.StartH2cBackendAsync("versions");
        var routes = new RouteSettings()
            .Route("h2c", "/h2c", "h2c")
            .Cluster("h2c", ("versions", Backend.H2cUrl!))
            .RequestVersion("h2c", "2", "RequestVersionExact")
            .Route("default", "/default", "default")
            .Cluster("default", ("versions", Backend.Url))
            .Route("or-lower", "/or-lower", "or-lower")
            .Cluster("or-lower", ("versions", Backend.Url))
            .RequestVersion("or-lower", "2", "RequestVersionOrLower")
            .Route("exact-to-http1", "/exact-to-http1", "exact-to-http1")
            .Cluster("exact-to-http1", ("versions", Backend.Url))
            .RequestVersion("exact-to-http1", "2", "RequestVersionExact");
        Node = await TestNode.StartAsync(routes);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

public sealed class Http2ToBackendsTests(Http2ToBackendsFixture fixture) : IClassFixture<Http2ToBackendsFixture>
{
    [Fact]
    public async Task Cluster_asking_for_HTTP2_makes_the_backend_see_HTTP2_while_the_client_speaks_HTTP11()
    {
        using var response = await fixture.Node.Proxy.GetAsync("/h2c/orders");

        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HTTP/2", (await ProxyingTests.ReadEcho(response)).Protocol);
    }

    [Fact]
    public async Task Cluster_without_HTTP_request_settings_reaches_a_cleartext_backend_over_HTTP11()
    {
        using var response = await fixture.Node.Proxy.GetAsync("/default/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HTTP/1.1", (await ProxyingTests.ReadEcho(response)).Protocol);
    }

    [Fact]
    public async Task HTTP2_or_lower_still_reaches_an_HTTP11_only_backend()
    {
        using var response = await fixture.Node.Proxy.GetAsync("/or-lower/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("HTTP/1.1", (await ProxyingTests.ReadEcho(response)).Protocol);
    }

    [Fact]
    public async Task Exactly_HTTP2_against_an_HTTP11_only_backend_gives_502()
    {
        using var response = await fixture.Node.Proxy.GetAsync("/exact-to-http1/orders");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }
}
