using System.Net;
using System.Text.Json;

namespace ClusterLB.EchoBackend.Tests;

public sealed class EchoServerTests : IAsyncLifetime
{
    private readonly EchoServer _server = EchoServer.Create("echo-a", "http://127.0.0.1:0");
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_server.Url) };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Answers_with_its_name_and_what_it_received()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/some/path?a=1") { Content = new ByteArrayContent(new byte[1234]) };
        request.Headers.Add("X-Probe", "yes");

        using var response = await _client.SendAsync(request);
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("echo-a", response.Headers.GetValues(EchoServer.BackendHeader).Single());
        Assert.Equal("echo-a", echo.RootElement.GetProperty("backend").GetString());
        Assert.Equal("PUT", echo.RootElement.GetProperty("method").GetString());
        Assert.Equal("/some/path", echo.RootElement.GetProperty("path").GetString());
        Assert.Equal("?a=1", echo.RootElement.GetProperty("query").GetString());
        Assert.Equal("yes", echo.RootElement.GetProperty("headers").GetProperty("X-Probe").GetString());
        Assert.Equal(1234, echo.RootElement.GetProperty("bodyLength").GetInt64());
    }

    [Fact]
    public async Task Size_gives_a_body_of_exactly_that_many_bytes()
    {
        var body = await _client.GetByteArrayAsync("/?size=100000");

        Assert.Equal(100_000, body.Length);
    }

    [Fact]
    public async Task Delay_holds_the_answer_back()
    {
        var started = DateTime.UtcNow;
        using var response = await _client.GetAsync("/?delay=300");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(300));
    }

    [Theory]
    [InlineData("/?size=-1", "size")]
    [InlineData("/?delay=soon", "delay")]
    [InlineData("/stream?chunks=0", "chunks")]
    [InlineData("/status/99", "status code")]
    public async Task Bad_query_values_get_400_naming_the_parameter(string path, string named)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(200)]
    [InlineData(204)]
    [InlineData(404)]
    [InlineData(503)]
    public async Task Status_endpoint_answers_with_the_asked_code(int code)
    {
        using var response = await _client.GetAsync($"/status/{code}");

        Assert.Equal(code, (int)response.StatusCode);
    }

    [Fact]
    public async Task Health_can_be_switched_to_fail_and_back()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health")).StatusCode);

        await _client.PostAsync("/health/fail", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.GetAsync("/health")).StatusCode);

        await _client.PostAsync("/health/recover", null);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Stream_sends_chunks_and_holds_the_rest_until_its_gate_opens()
    {
        using var response = await _client.GetAsync("/stream?chunks=3&chunkSize=1000&gate=g1", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];

        var first = 0;
        while (first < 1000)
        {
            first += await body.ReadAsync(buffer);
        }

        var pending = body.ReadAsync(buffer).AsTask();
        await Task.WhenAny(pending, Task.Delay(200));
        Assert.False(pending.IsCompleted, "the rest must wait for the gate");

        await _client.PostAsync("/gates/g1", null);
        var rest = await pending;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            rest += read;
        }

        Assert.Equal(3000, first + rest);
    }

    [Fact]
    public async Task Injected_latency_delays_every_answer_health_included_until_it_is_removed()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync("/chaos/latency?ms=abc", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync("/chaos/latency", null)).StatusCode);

        Assert.True((await _client.PostAsync("/chaos/latency?ms=500", null)).IsSuccessStatusCode);
        var slow = System.Diagnostics.Stopwatch.StartNew();
        Assert.True((await _client.GetAsync("/health")).IsSuccessStatusCode);
        // The server's timer may fire a tick earlier than the client's stopwatch counts (seen: 399 ms
        // for 400); an answer without the latency takes about a millisecond.
        Assert.True(slow.ElapsedMilliseconds >= 450, $"answered after {slow.ElapsedMilliseconds} ms");

        Assert.True((await _client.PostAsync("/chaos/latency?ms=0", null)).IsSuccessStatusCode);
        Assert.Equal(TimeSpan.Zero, _server.InjectedLatency);
    }
}
