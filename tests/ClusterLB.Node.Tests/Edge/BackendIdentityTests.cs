using System.Net;
using System.Net.Http.Json;

namespace ClusterLB.Node.Tests.Edge;

/// <summary>Backends stay hidden behind the proxy, and every request carries an id from end to end.</summary>
public sealed class BackendIdentityTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private HttpClient Proxy => fixture.Node.Proxy;

    [Fact]
    public async Task Headers_naming_the_backend_software_are_removed_and_others_kept()
    {
        using var response = await Proxy.GetAsync("/plain/text");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Server"), $"Server: {response.Headers.Server}");
        Assert.False(response.Headers.Contains("X-Powered-By"));
        Assert.False(response.Headers.Contains("X-AspNet-Version"));
        Assert.Equal("yes", Assert.Single(response.Headers.GetValues("X-Kept")));
    }

    [Fact]
    public async Task Each_request_gets_a_new_id_that_the_backend_and_the_client_both_see()
    {
        using var first = await Proxy.GetAsync("/plain/seen");
        using var second = await Proxy.GetAsync("/plain/seen");

        var firstId = Assert.Single(first.Headers.GetValues("X-Request-Id"));
        var secondId = Assert.Single(second.Headers.GetValues("X-Request-Id"));
        Assert.NotEqual(firstId, secondId);
        Assert.Matches("^[0-9a-f]{32}$", firstId);
        Assert.Equal(firstId, (await first.Content.ReadFromJsonAsync<SeenRequest>())!.Header("X-Request-Id"));
    }

    [Fact]
    public async Task Id_sent_by_an_untrusted_client_is_replaced()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/plain/seen");
        request.Headers.Add("X-Request-Id", "chosen-by-client");
        using var response = await Proxy.SendAsync(request);

        var id = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.NotEqual("chosen-by-client", id);
        Assert.Equal(id, (await response.Content.ReadFromJsonAsync<SeenRequest>())!.Header("X-Request-Id"));
    }

    [Fact]
    public async Task Log_lines_about_a_request_carry_its_id_in_their_scope()
    {
        using var response = await Proxy.GetAsync("/dead/anything");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var id = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        // YARP's own line about the failed request, written deep inside the proxy.
        var forwarderLines = fixture.Logs.ScopedLines.Where(e => e.Line.Contains("Yarp.ReverseProxy.Forwarder") && e.Scopes.Any(s => s?.ToString() == $"X-Request-Id:{id}")).ToList();
        Assert.NotEmpty(forwarderLines);
        var scope = Assert.IsAssignableFrom<IReadOnlyList<KeyValuePair<string, object>>>(forwarderLines[0].Scopes.First(s => s?.ToString() == $"X-Request-Id:{id}"));
        Assert.Contains(new KeyValuePair<string, object>("XRequestId", id), scope);
    }
}
