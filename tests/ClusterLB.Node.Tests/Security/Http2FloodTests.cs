using System.Net;
using ClusterLB.Node.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterLB.Node.Tests.Security;

/// <summary>One node listening for HTTP/2 only (cleartext, prior knowledge) in front of a recording backend.</summary>
public sealed class Http2FloodFixture : IAsyncLifetime
{
    public const int MaxStreamsPerConnection = 10;

    public RecordingBackend Backend { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public Uri ProxyUrl => Node.Proxy.BaseAddress!;

    public async Task InitializeAsync()
    {
        Backend = await RecordingBackend.StartAsync();
        var settings = new RouteSettings()
            .Route("rec", "/rec", "rec")
            .Cluster("rec", ("recorder", Backend.Url))
            .With("Kestrel:Endpoints:proxy:Url", "http://127.0.0.1:0")
            .With("Kestrel:Endpoints:proxy:Protocols", "Http2")
            .With("Kestrel:Limits:Http2:MaxStreamsPerConnection", MaxStreamsPerConnection.ToString());
        Node = await TestNode.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

/// <summary>
/// HTTP/2 floods against a real node: streams opened and reset at once (rapid reset, CVE-2023-44487)
/// and more streams than the connection allows. The node cuts the attacker off, the backend sees a
/// bounded number of requests, and other clients are still served.
/// </summary>
public sealed class Http2FloodTests(Http2FloodFixture fixture, ITestOutputHelper output) : IClassFixture<Http2FloodFixture>
{
    private RecordingBackend Backend => fixture.Backend;

    [Fact]
    public async Task Rapid_reset_gets_the_connection_closed_and_the_backend_sees_a_bounded_number_of_requests()
    {
        var id = Guid.NewGuid().ToString("N");
        await using var attacker = await RawHttp2.ConnectAsync(fixture.ProxyUrl);

        // Streams opened and reset at once, in bursts of 100, until the node hangs up (2,000 at most).
        for (var stream = 1; stream < 4000 && !attacker.Closed.IsCompleted; stream += 200)
        {
            var frames = new List<byte>();
            for (var s = stream; s < stream + 200; s += 2)
            {
                frames.AddRange(RawHttp2.Get(s, $"/rec/hold/{id}/{s}"));
                frames.AddRange(RawHttp2.Reset(s));
            }

            if (!await attacker.TryWriteAsync([.. frames]))
            {
                break;
            }
        }

        await attacker.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        var reached = Backend.Targets.Count(t => t.Contains(id, StringComparison.Ordinal));
        output.WriteLine($"closed: {attacker.ClosedWith}; GOAWAY: {attacker.GoAwayReceived}; streams reset by the node: {attacker.ResetByServer.Count}; requests at the backend: {reached}");

        // Kestrel refuses streams past twice the stream limit (at least 100) with ENHANCE_YOUR_CALM,
        // and aborts the connection when that keeps happening (GOAWAY ENHANCE_YOUR_CALM), or when the
        // refusals it owes the client pile up in its output queue (GOAWAY INTERNAL_ERROR). The GOAWAY
        // is often lost to the TCP reset that follows. The reset streams' requests are dropped before
        // they are forwarded.
        if (attacker.GoAwayReceived is { } goAway)
        {
            Assert.True(goAway.ErrorCode is RawHttp2.EnhanceYourCalm or RawHttp2.InternalError, $"GOAWAY {goAway}");
        }

        Assert.All(attacker.ResetByServer.Values, code => Assert.True(code is RawHttp2.EnhanceYourCalm or RawHttp2.RefusedStream, $"error code {code}"));
        Assert.True(reached <= 100, $"{reached} requests from reset streams reached the backend");
        await Eventually.True(() => Task.FromResult(Backend.InFlight == 0), TimeSpan.FromSeconds(10), "the backend's requests from the reset streams ending");
        await AnotherClientIsServed();
    }

    [Fact]
    public async Task Streams_past_the_connection_limit_are_refused_and_never_reach_the_backend()
    {
        var id = Guid.NewGuid().ToString("N");
        await using var attacker = await RawHttp2.ConnectAsync(fixture.ProxyUrl);
        const int streams = 3 * Http2FloodFixture.MaxStreamsPerConnection;

        var frames = new List<byte>();
        for (var i = 0; i < streams; i++)
        {
            frames.AddRange(RawHttp2.Get(1 + 2 * i, $"/rec/hold/{id}/{i}"));
        }

        Assert.True(await attacker.TryWriteAsync([.. frames]));
        await Eventually.True(
            () => Task.FromResult(attacker.ResetByServer.Count >= streams - Http2FloodFixture.MaxStreamsPerConnection),
            TimeSpan.FromSeconds(10),
            "the streams past the limit refused");
        await Eventually.True(
            () => Task.FromResult(Backend.InFlight >= Http2FloodFixture.MaxStreamsPerConnection),
            TimeSpan.FromSeconds(10),
            "the streams within the limit held at the backend");

        // The backend holds the first ten: the rest were refused, none of them forwarded.
        Assert.All(attacker.ResetByServer.Values, code => Assert.Equal(RawHttp2.RefusedStream, code));
        Assert.Equal(Http2FloodFixture.MaxStreamsPerConnection, Backend.Targets.Count(t => t.Contains(id, StringComparison.Ordinal)));
        Assert.DoesNotContain(attacker.ResetByServer.Keys, stream => stream <= 2 * Http2FloodFixture.MaxStreamsPerConnection);
        await AnotherClientIsServed();
        await attacker.DisposeAsync();
        await Eventually.True(() => Task.FromResult(Backend.InFlight == 0), TimeSpan.FromSeconds(10), "the held requests ending with the attacker's connection");
    }

    private async Task AnotherClientIsServed()
    {
        using var client = new HttpClient { BaseAddress = fixture.ProxyUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/rec/still-served")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
