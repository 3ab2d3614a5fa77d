using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// The admin listener's front door on a real node: tokens, roles, content types, host names and body
/// caps. Every refused request leaves the routing table at the version it had.
/// </summary>
public sealed class AdminAccessTests : IAsyncLifetime
{
    private const string NewDestination = """{ "address": "http://127.0.0.1:5999/" }""";
    private Backends _backends = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _backends = await Backends.StartAsync("alpha");
        _node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", _backends[0].Url)));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _backends.DisposeAsync();
    }

    [Fact]
    public async Task Without_a_valid_token_every_admin_endpoint_answers_401_but_health_stays_open()
    {
        var before = await VersionAsync();
        foreach (var token in new[] { null, "not-the-token", TestNode.WriteToken + "x", TestNode.WriteToken[..^1] })
        {
            using var client = _node.AdminClient(token);
            foreach (var path in new[] { "/admin/status", "/admin/cluster", "/admin/routing-table" })
            {
                using var read = await client.GetAsync(path);
                Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
                Assert.Equal("Bearer", read.Headers.WwwAuthenticate.Single().Scheme);
            }

            using var write = await client.PutAsync("/admin/clusters/one/destinations/beta", Json(NewDestination));
            Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
            using var delete = await client.DeleteAsync("/admin/routes/a");
            Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
            Assert.True((await client.GetAsync("/healthz/ready")).IsSuccessStatusCode);
            Assert.True((await client.GetAsync("/healthz/live")).IsSuccessStatusCode);
        }

        Assert.Equal(before, await VersionAsync());
    }

    [Fact]
    public async Task A_read_token_reads_but_its_changes_are_refused_with_403()
    {
        var before = await VersionAsync();
        using var reader = _node.AdminClient(TestNode.ReadToken);

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/admin/status")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/admin/routing-table")).StatusCode);
        using var put = await reader.PutAsync("/admin/clusters/one/destinations/beta", Json(NewDestination));
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Contains("test-reader", await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.DeleteAsync("/admin/routes/a")).StatusCode);
        Assert.Equal(before, await VersionAsync());

        using var written = await _node.Admin.PutAsync("/admin/clusters/one/destinations/beta", Json(NewDestination));
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        await Eventually.True(async () => await VersionAsync() == before + 1, TimeSpan.FromSeconds(10), "the write token's change applied");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task A_change_that_is_not_typed_as_JSON_is_refused_with_415(string? contentType)
    {
        var before = await VersionAsync();
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(NewDestination));
        if (contentType is not null)
        {
            body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await _node.Admin.PostAsync("/admin/clusters/one/destinations/beta", body);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await VersionAsync());
    }

    [Fact]
    public async Task A_request_naming_a_foreign_host_is_refused_as_DNS_rebinding_would_send_it()
    {
        var before = await VersionAsync();
        var port = new Uri(_node.Node.AdminUrl).Port;

        var rebound = await RawAsync(port, "GET /admin/status HTTP/1.1\r\nHost: attacker.example:" + port + $"\r\nAuthorization: Bearer {TestNode.WriteToken}\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", rebound);
        Assert.Contains("ClusterLB:Admin:AllowedHosts", rebound);
        var change = await RawAsync(port, $"PUT /admin/clusters/one/destinations/beta HTTP/1.1\r\nHost: attacker.example\r\nAuthorization: Bearer {TestNode.WriteToken}\r\nContent-Type: application/json\r\nContent-Length: {NewDestination.Length}\r\nConnection: close\r\n\r\n{NewDestination}");
        Assert.StartsWith("HTTP/1.1 400", change);

        foreach (var host in new[] { "localhost", "127.0.0.1", "[::1]" })
        {
            var own = await RawAsync(port, $"GET /admin/status HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {TestNode.WriteToken}\r\nConnection: close\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 200", own);
        }

        Assert.Equal(before, await VersionAsync());
    }

    [Fact]
    public async Task A_body_over_the_cap_is_refused_with_413_whether_its_length_is_declared_or_chunked()
    {
        var before = await VersionAsync();
        var huge = "{ \"address\": \"http://127.0.0.1:5999/\", \"metadata\": { \"x\": \"" + new string('a', 2 * 1024 * 1024) + "\" } }";

        using var declared = await _node.Admin.PutAsync("/admin/clusters/one/destinations/beta", Json(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);

        var chunked = new PushStreamContent(huge);
        using var streamed = await _node.Admin.PutAsync("/admin/clusters/one/destinations/beta", chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Equal(before, await VersionAsync());
    }

    private async Task<long> VersionAsync()
    {
        var status = await _node.Admin.GetFromJsonAsync<ClusterLB.Node.Admin.NodeStatus>("/admin/status");
        return status!.RoutingTable!.Version;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Sends <paramref name="request"/> as written (a browser's Host header cannot be set through HttpClient) and reads the answer.</summary>
    private static async Task<string> RawAsync(int port, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    /// <summary>A JSON body sent chunked, with no Content-Length for the server to refuse up front.</summary>
    private sealed class PushStreamContent : HttpContent
    {
        private readonly string _body;

        public PushStreamContent(string body)
        {
            _body = body;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            await stream.WriteAsync(Encoding.UTF8.GetBytes(_body));

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>A node with no token configured makes its own, keeps it private, and never shows it.</summary>
public sealed class GeneratedAdminTokenTests
{
    [Fact]
    public async Task Without_configured_tokens_the_node_generates_one_readable_only_by_its_user_logs_its_path_and_keeps_it_across_restarts()
    {
        var directory = TempDirectory.Create("clusterlb-token");
        var logs = new CapturedLogs();
        string secret;
        await using (var node = await TestNode.StartAsync(new Dictionary<string, string?>(), directory, logs, configureTestTokens: false))
        {
            var file = Path.Combine(directory, "admin.token");
            Assert.Equal(file, node.Node.GeneratedAdminTokenFile);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            secret = (await File.ReadAllTextAsync(file)).Trim();
            Assert.True(secret.Length >= 32, $"generated token has {secret.Length} characters");

            using var anonymous = node.AdminClient(null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/status")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await node.Admin.GetAsync("/admin/status")).StatusCode); // the test token is not configured
            using var owner = node.AdminClient(secret);
            using var status = await owner.GetAsync("/admin/status");
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            Assert.DoesNotContain(secret, await status.Content.ReadAsStringAsync());
        }

        Assert.Contains(logs.Lines, line => line.Contains(Path.Combine(directory, "admin.token")));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(secret));

        await using var restarted = await TestNode.StartAsync(new Dictionary<string, string?>(), directory, configureTestTokens: false);
        using var again = restarted.AdminClient(secret);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/admin/status")).StatusCode);
    }
}
