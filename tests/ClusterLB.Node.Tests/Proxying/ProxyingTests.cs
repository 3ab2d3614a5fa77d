using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Proxy;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Proxying;

public sealed class ProxyingTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private const int TenMegabytes = 10 * 1024 * 1024;
    private HttpClient Proxy => fixture.Node.Proxy;

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    public async Task Method_query_string_and_headers_pass_through(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "/echo/orders/42?sort=desc&tag=a&tag=b");
        request.Headers.Add("X-Custom", "kept as sent");
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("hello body", Encoding.UTF8, "text/plain");
        }

        using var response = await Proxy.SendAsync(request);
        var echo = await ReadEcho(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("alpha", echo.Backend);
        Assert.Equal(method, echo.Method);
        Assert.Equal("/orders/42", echo.Path);
        Assert.Equal("?sort=desc&tag=a&tag=b", echo.Query);
        Assert.Equal("kept as sent", echo.Headers["X-Custom"]);
        Assert.Equal(method is "POST" or "PUT" or "PATCH" ? 10 : 0, echo.BodyLength);
    }

    [Fact]
    public async Task Request_whose_destination_refuses_the_connection_is_sent_to_another_destination()
    {
        // Round robin over a live and a refusing destination: without the retry, every other request fails.
        for (var i = 0; i < 10; i++)
        {
            using var response = await Proxy.GetAsync($"/half-dead/attempt/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("alpha", (await ReadEcho(response)).Backend);
        }
    }

    [Fact]
    public async Task Request_with_a_body_is_not_sent_twice_and_fails_when_its_destination_refuses()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await Proxy.PostAsync("/half-dead/orders", new StringContent("an order"));
            statuses.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.BadGateway, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
    }

    [Fact]
    public async Task Forwarded_headers_name_the_client_scheme_and_host()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo/");
        request.Headers.Host = "shop.example.test";

        var echo = await ReadEcho(await Proxy.SendAsync(request));

        Assert.Equal("127.0.0.1", echo.Headers["X-Forwarded-For"]);
        Assert.Equal("http", echo.Headers["X-Forwarded-Proto"]);
        Assert.Equal("shop.example.test", echo.Headers["X-Forwarded-Host"]);
    }

    [Fact]
    public async Task Answer_names_the_backend_that_served_it()
    {
        using var response = await Proxy.GetAsync("/echo/");

        Assert.Equal("alpha", response.Headers.GetValues(EchoServer.BackendHeader).Single());
        Assert.Equal("alpha", (await ReadEcho(response)).Backend);
    }

    [Fact]
    public async Task Request_body_of_10MB_reaches_the_backend_while_the_client_is_still_sending()
    {
        var backend = fixture.Backends[0];
        var before = backend.RequestBodyBytes;
        var content = new GatedContent(firstPart: 1024 * 1024, total: TenMegabytes, async () =>
            // The rest is held back until the backend has the first megabyte: a proxy that buffered
            // the whole body would never forward it, and this wait would time out.
            await Eventually.True(() => Task.FromResult(backend.RequestBodyBytes - before >= 1024 * 1024), TimeSpan.FromSeconds(20), "first megabyte at the backend"));

        using var response = await Proxy.PostAsync("/echo/upload", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TenMegabytes, (await ReadEcho(response)).BodyLength);
    }

    [Fact]
    public async Task Response_body_of_10MB_reaches_the_client_while_the_backend_is_still_sending()
    {
        var gate = Guid.NewGuid().ToString("N");
        using var response = await Proxy.GetAsync(
            $"/echo/stream?chunks=10&chunkSize={TenMegabytes / 10}&gate={gate}", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();

        // The backend sent one megabyte and waits on the gate; it arrives only if the proxy streams.
        var first = await ReadAtLeast(body, TenMegabytes / 10).WaitAsync(TimeSpan.FromSeconds(20));
        fixture.Backends[0].Gates.Open(gate);
        var rest = await ReadAtLeast(body, int.MaxValue);

        Assert.Equal(TenMegabytes, first + rest);
    }

    [Fact]
    public async Task Chunked_response_passes_through_whole()
    {
        using var response = await Proxy.GetAsync("/echo/stream?chunks=20&chunkSize=1000&interval=5", HttpCompletionOption.ResponseHeadersRead);

        Assert.True(response.Headers.TransferEncodingChunked, "the response should stay chunked");
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal(20 * 1000, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task WebSocket_upgrade_and_echo_pass_through()
    {
        using var socket = new ClientWebSocket();
        var uri = new UriBuilder(Proxy.BaseAddress!) { Scheme = "ws", Path = "/echo/ws" }.Uri;
        await socket.ConnectAsync(uri, CancellationToken.None);

        foreach (var message in new[] { "hello", new string('w', 100_000) })
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal(message, await ReceiveText(socket));
        }

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(204)]
    [InlineData(301)]
    [InlineData(404)]
    [InlineData(418)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    public async Task Backend_status_codes_pass_through_unchanged(int status)
    {
        using var response = await Proxy.GetAsync($"/echo/status/{status}");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.False(response.Headers.Contains(ProxyErrorResponses.ErrorHeader), "a backend answer is not a proxy error");
        Assert.Equal("alpha", response.Headers.GetValues(EchoServer.BackendHeader).Single());
    }

    [Fact]
    public async Task Backend_refusing_connections_gives_502_with_a_clear_body()
    {
        using var response = await Proxy.GetAsync("/dead/anything");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("could not reach the backend", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task No_destination_gives_503_with_a_clear_body()
    {
        using var response = await Proxy.GetAsync("/empty/anything");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("no healthy destination", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Backend_slower_than_the_route_timeout_gives_504()
    {
        using var response = await Proxy.GetAsync("/slow/?delay=10000");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("Gateway Timeout", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Backend_within_the_route_timeout_answers_normally()
    {
        using var response = await Proxy.GetAsync("/slow/?delay=100");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    internal static async Task<Echo> ReadEcho(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<Echo>(new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new InvalidOperationException("empty echo");

    private static async Task<int> ReadAtLeast(Stream body, int count)
    {
        var buffer = new byte[64 * 1024];
        var total = 0;
        while (total < count)
        {
            var read = await body.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static async Task<string> ReceiveText(ClientWebSocket socket)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, CancellationToken.None);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return Encoding.UTF8.GetString(message.ToArray());
    }

    internal sealed record Echo(string Backend, string Method, string Path, string Query, string Protocol, Dictionary<string, string> Headers, long BodyLength)
    {
        public Dictionary<string, string> Headers { get; init; } = new(Headers, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Request content that sends <c>firstPart</c> bytes, waits for a condition, then sends the rest.</summary>
    private sealed class GatedContent(int firstPart, int total, Func<Task> beforeRest) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            for (var sent = 0; sent < total; sent += chunk.Length)
            {
                if (sent == firstPart)
                {
                    await stream.FlushAsync();
                    await beforeRest();
                }

                await stream.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, total - sent)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = total;
            return true;
        }
    }
}
