using System.Net;
using System.Text;
using ClusterLB.Node.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// Hostile HTTP/1.1 sent byte for byte to a real node: each attempt is answered as the RFCs say
/// (400, 408, 413, 414, 431 or a closed connection) and the backend never receives a request that
/// was hidden inside another one.
/// </summary>
public sealed class HostileHttpTests(HostileHttpFixture fixture, ITestOutputHelper output) : IClassFixture<HostileHttpFixture>
{
    private RecordingBackend Backend => fixture.Backend;

    public static TheoryData<string, string> SmugglingAttempts() => new()
    {
        {
            "CL.TE: Content-Length covers a request that chunked framing leaves after the body",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: {smuggledLength+5}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}"
        },
        {
            "TE.CL: a chunk carries a request that Content-Length would leave after the body",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n{smuggledLengthHex}\r\n{smuggled}\r\n0\r\n\r\n"
        },
        {
            "two different Content-Length headers",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: 0\r\nContent-Length: {smuggledLength}\r\n\r\n{smuggled}"
        },
        {
            "two equal Content-Length headers",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: {smuggledLength}\r\nContent-Length: {smuggledLength}\r\n\r\n{smuggled}"
        },
        {
            "Content-Length with a sign",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: +{smuggledLength}\r\n\r\n{smuggled}"
        },
        {
            "Transfer-Encoding that is not chunked, with a Content-Length",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: {smuggledLength}\r\nTransfer-Encoding: xchunked\r\n\r\n{smuggled}"
        },
        {
            "Transfer-Encoding with chunked not last",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n{smuggled}"
        },
        {
            "Transfer-Encoding with a space before the colon",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: {smuggledLength+5}\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n{smuggled}"
        },
        {
            "Transfer-Encoding folded onto a continuation line",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: {smuggledLength+5}\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n{smuggled}"
        },
        {
            "Transfer-Encoding twice, the second one bogus",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: {smuggledLength+5}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: cow\r\n\r\n0\r\n\r\n{smuggled}"
        },
        {
            "Transfer-Encoding on an HTTP/1.0 request",
            "POST /rec/{id}/first HTTP/1.0\r\nHost: lb.test\r\nConnection: keep-alive\r\nContent-Length: {smuggledLength+5}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}"
        },
        {
            "bare LF ending the request line and headers",
            "POST /rec/{id}/first HTTP/1.1\nHost: lb.test\nContent-Length: {smuggledLength}\n\n{smuggled}"
        },
        {
            "bare LF ending a chunk-size line",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked\r\n\r\n2\nxx\r\n{smuggledLengthHex}\r\n{smuggled}\r\n0\r\n\r\n"
        },
        {
            "bare LF inside a chunk extension",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked\r\n\r\n2;x\nxx\r\n0\r\n\r\n{smuggled}"
        },
        {
            "chunk size that is not hexadecimal",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{smuggled}\r\n0\r\n\r\n"
        },
        {
            "negative chunk size",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n{smuggled}\r\n0\r\n\r\n"
        },
        {
            "chunk size that overflows 64 bits",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000{smuggledLengthHex}\r\n{smuggled}\r\n0\r\n\r\n"
        },
        {
            "chunk data longer than its size",
            "POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxx{smuggled}\r\n0\r\n\r\n"
        },
    };

    [Theory]
    [MemberData(nameof(SmugglingAttempts))]
    public async Task Smuggling_attempt_is_refused_or_closed_and_the_hidden_request_never_reaches_the_backend(string attempt, string template)
    {
        var id = Guid.NewGuid().ToString("N");
        var smuggled = $"GET /rec/{id}/smuggled HTTP/1.1\r\nHost: lb.test\r\n\r\n";
        var request = template
            .Replace("{smuggledLength+5}", (smuggled.Length + 5).ToString())
            .Replace("{smuggledLengthHex}", smuggled.Length.ToString("x"))
            .Replace("{smuggledLength}", smuggled.Length.ToString())
            .Replace("{smuggled}", smuggled)
            .Replace("{id}", id);

        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, request);

        output.WriteLine(exchange.ToString());

        Assert.True(exchange.ClosedByServer, $"{attempt}: {exchange}");
        Assert.False(Backend.Saw($"/{id}/smuggled"), $"{attempt}: the hidden request reached the backend ({exchange})");
        var reached = Backend.Targets.Where(t => t.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.True(reached.Count <= 1, $"{attempt}: {string.Join(", ", reached)}");
        if (exchange.FirstStatus is not (int)HttpStatusCode.OK)
        {
            Assert.True(exchange.FirstStatus is null or 400 or 501, $"{attempt}: {exchange}");
            if (reached.Count == 1)
            {
                // Valid headers go on to the backend at once; when the body then turns out malformed
                // the proxy aborts the request, so the backend never gets it whole.
                var received = await Eventually.Get(
                    () => Task.FromResult(Backend.Requests.FirstOrDefault(r => r.RawTarget.Contains(id, StringComparison.Ordinal))),
                    TimeSpan.FromSeconds(10),
                    "the backend's record of the aborted request");
                Assert.False(received.Completed, $"{attempt}: the backend completed a request with a malformed body");
            }
        }
    }

    [Fact]
    public async Task Request_with_both_Content_Length_and_chunked_body_reaches_the_backend_with_one_framing_only()
    {
        var id = Guid.NewGuid().ToString("N");
        var request = $"POST /rec/{id}/first HTTP/1.1\r\nHost: lb.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, request);

        output.WriteLine(exchange.ToString());

        // RFC 9112 6.3: Transfer-Encoding wins, Content-Length is dropped, and the connection is closed after the answer.
        Assert.Equal((int)HttpStatusCode.OK, exchange.FirstStatus);
        Assert.True(exchange.ClosedByServer, exchange.ToString());
        var received = await Eventually.Get(
            () => Task.FromResult(Backend.Requests.SingleOrDefault(r => r.RawTarget.Contains(id, StringComparison.Ordinal))),
            TimeSpan.FromSeconds(10),
            "the backend's record of the request");
        Assert.False(received.Headers.ContainsKey("Content-Length") && received.Headers.ContainsKey("Transfer-Encoding"), string.Join(", ", received.Headers.Keys));
        Assert.Equal(5, received.BodyBytes);
    }

    [Fact]
    public async Task Request_line_longer_than_the_limit_is_answered_414()
    {
        var id = Guid.NewGuid().ToString("N");
        var request = $"GET /rec/{id}/{new string('a', 9 * 1024)} HTTP/1.1\r\nHost: lb.test\r\n\r\n";

        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, request);

        output.WriteLine(exchange.ToString());

        Assert.Equal((int)HttpStatusCode.RequestUriTooLong, exchange.FirstStatus);
        Assert.True(exchange.ClosedByServer);
        Assert.False(Backend.Saw(id));
    }

    [Fact]
    public async Task Headers_larger_than_the_limit_are_answered_431()
    {
        var id = Guid.NewGuid().ToString("N");
        var request = $"GET /rec/{id} HTTP/1.1\r\nHost: lb.test\r\nX-Big: {new string('b', 33 * 1024)}\r\n\r\n";

        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, request);

        output.WriteLine(exchange.ToString());

        Assert.Equal((int)HttpStatusCode.RequestHeaderFieldsTooLarge, exchange.FirstStatus);
        Assert.True(exchange.ClosedByServer);
        Assert.False(Backend.Saw(id));
    }

    [Fact]
    public async Task More_headers_than_the_limit_are_answered_431()
    {
        var id = Guid.NewGuid().ToString("N");
        var headers = string.Concat(Enumerable.Range(0, HostileHttpFixture.MaxRequestHeaderCount + 1).Select(i => $"X-H{i}: {i}\r\n"));
        var request = $"GET /rec/{id} HTTP/1.1\r\nHost: lb.test\r\n{headers}\r\n";

        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, request);

        output.WriteLine(exchange.ToString());

        Assert.Equal((int)HttpStatusCode.RequestHeaderFieldsTooLarge, exchange.FirstStatus);
        Assert.True(exchange.ClosedByServer);
        Assert.False(Backend.Saw(id));
    }

    [Fact]
    public async Task Headers_sent_a_byte_at_a_time_are_cut_off_by_the_request_headers_timeout()
    {
        var id = Guid.NewGuid().ToString("N");
        await using var connection = await RawHttp1.ConnectAsync(fixture.ProxyUrl);
        var request = $"GET /rec/{id} HTTP/1.1\r\nHost: lb.test\r\nX-Slow: {new string('s', 200)}\r\n\r\n";
        var started = DateTime.UtcNow;

        // The attacker's pace, not a wait for the test: a byte every 100 ms keeps the connection busy
        // for 20 s, far past the 2 s the server allows for a request's headers.
        var sent = 0;
        while (sent < request.Length && await connection.TrySendAsync(request[sent].ToString()))
        {
            sent++;
            await Task.Delay(100);
        }

        var exchange = await connection.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));

        output.WriteLine(exchange.ToString());

        Assert.True(exchange.ClosedByServer, exchange.ToString());
        Assert.True(sent < request.Length, $"the server waited for all {sent} bytes ({DateTime.UtcNow - started})");
        Assert.True(exchange.FirstStatus is null or (int)HttpStatusCode.RequestTimeout, exchange.ToString());
        Assert.False(Backend.Saw(id));
    }

    [Fact]
    public async Task Body_sent_slower_than_the_minimum_rate_is_cut_off()
    {
        var id = Guid.NewGuid().ToString("N");
        await using var connection = await RawHttp1.ConnectAsync(fixture.ProxyUrl);
        await connection.SendAsync($"POST /rec/{id} HTTP/1.1\r\nHost: lb.test\r\nContent-Length: 4000\r\n\r\n");

        // 10 bytes a second against a minimum of 100 after a 2 s grace period.
        var sent = 0;
        while (sent < 4000 && await connection.TrySendAsync("x"))
        {
            sent++;
            await Task.Delay(100);
        }

        var exchange = await connection.ReadUntilClosedAsync(TimeSpan.FromSeconds(10));

        output.WriteLine(exchange.ToString());

        Assert.True(exchange.ClosedByServer, exchange.ToString());
        Assert.True(sent < 4000, $"the server took the whole slow body");
        Assert.True(exchange.FirstStatus is null or (int)HttpStatusCode.RequestTimeout, exchange.ToString());
        Assert.All(Backend.Requests.Where(r => r.RawTarget.Contains(id, StringComparison.Ordinal)), r => Assert.False(r.Completed));
    }

    public static TheoryData<string> TraversalAttempts() => new()
    {
        "/a/%2e%2e/tenant-b/secret",
        "/a/%2E%2E/%2E%2E/tenant-b/secret",
        "/a/..%2ftenant-b/secret",
        "/a/%2e%2e%2ftenant-b%2fsecret",
        "/a/..%5ctenant-b%5csecret",
        "/a/%c0%ae%c0%ae/tenant-b/secret",
        "/a/%c0%ae%c0%ae%c0%aftenant-b%c0%afsecret",
        "/a/%e0%80%ae%e0%80%ae/tenant-b/secret",
        "/a/%252e%252e/tenant-b/secret",
        "/a/./../tenant-b/secret",
        "/a/x/../../tenant-b/secret",
    };

    [Theory]
    [MemberData(nameof(TraversalAttempts))]
    public async Task Encoded_path_traversal_does_not_leave_the_route_prefix_at_the_backend(string path)
    {
        var id = Guid.NewGuid().ToString("N");
        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, $"GET {path}?id={id} HTTP/1.1\r\nHost: lb.test\r\n\r\n");
        output.WriteLine(exchange.ToString());

        Assert.True(exchange.FirstStatus is not null, exchange.ToString());
        var reached = Backend.Targets.Where(t => t.Contains(id, StringComparison.Ordinal)).ToList();
        Assert.True(reached.Count <= 1, string.Join(", ", reached));
        foreach (var target in reached)
        {
            // However leniently the backend decodes what it receives, it stays under /tenant-a/.
            var normalized = PathTraversal.DecodeLeniently(target.Split('?')[0]);
            Assert.True(normalized.StartsWith("/tenant-a/", StringComparison.Ordinal), $"{path} reached the backend as {target} ({normalized})");
        }

        if (reached.Count == 0)
        {
            Assert.True(exchange.FirstStatus is 400 or 404, exchange.ToString());
        }
    }

    [Fact]
    public async Task Encoded_slash_inside_a_segment_is_not_refused()
    {
        var id = Guid.NewGuid().ToString("N");
        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, $"GET /a/projects/group%2Fproject-{id} HTTP/1.1\r\nHost: lb.test\r\n\r\n");
        output.WriteLine(exchange.ToString());

        Assert.Equal((int)HttpStatusCode.OK, exchange.FirstStatus);
        var target = Assert.Single(Backend.Targets, t => t.Contains(id, StringComparison.Ordinal));
        // YARP forwards the '%' of an encoded slash encoded again (%252F): the segment stays one segment.
        Assert.StartsWith("/tenant-a/projects/group%252Fproject-", target, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Route_body_limit_is_enforced_with_413_while_other_routes_follow_the_server_limit()
    {
        var small = new string('s', HostileHttpFixture.SmallRouteBodyLimit + 1);
        var overServer = new string('o', HostileHttpFixture.ServerBodyLimit + 1);

        using var tooLargeForRoute = await fixture.Node.Proxy.PostAsync("/small/upload", new StringContent(small));
        using var fitsTheServer = await fixture.Node.Proxy.PostAsync("/rec/upload", new StringContent(small));
        using var tooLargeForServer = await fixture.Node.Proxy.PostAsync("/rec/upload", new StringContent(overServer));
        using var fitsLargeRoute = await fixture.Node.Proxy.PostAsync("/large/upload", new StringContent(overServer));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLargeForRoute.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fitsTheServer.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLargeForServer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fitsLargeRoute.StatusCode);
        Assert.Contains($"with {overServer.Length} body bytes", await fitsLargeRoute.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Chunked_body_over_the_route_limit_is_answered_413_and_not_delivered_whole()
    {
        var id = Guid.NewGuid().ToString("N");
        var chunk = new string('c', 512);
        var body = string.Concat(Enumerable.Repeat($"200\r\n{chunk}\r\n", 4)) + "0\r\n\r\n";
        var request = $"POST /small/{id} HTTP/1.1\r\nHost: lb.test\r\nTransfer-Encoding: chunked\r\n\r\n{body}";

        var exchange = await RawHttp1.ExchangeAsync(fixture.ProxyUrl, request);

        output.WriteLine(exchange.ToString());

        Assert.Equal((int)HttpStatusCode.RequestEntityTooLarge, exchange.FirstStatus);
        Assert.DoesNotContain(Backend.Requests, r => r.RawTarget.Contains(id, StringComparison.Ordinal) && r.Completed);
    }
}
