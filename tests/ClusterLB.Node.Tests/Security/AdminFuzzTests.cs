using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using ClusterLB.Node.Tests.Infrastructure;
using CsCheck;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// Random and hostile requests against every admin endpoint of a real node: malformed and huge JSON,
/// wrong types, deep nesting, odd Unicode, ids with path characters, missing or wrong tokens and
/// content types. Never a 5xx, never a changed table after a refused request, never a secret in an
/// answer or a log line. <c>CLUSTERLB_FUZZ_ITERATIONS</c> lengthens the run (default 600).
/// </summary>
public sealed class AdminFuzzTests
{
    private static readonly string[] SchemaKeys =
    [
        "clusterId", "order", "match", "path", "hosts", "methods", "headers", "queryParameters", "name", "values", "mode", "timeout",
        "transforms", "metadata", "destinations", "address", "health", "host", "loadBalancingPolicy", "sessionAffinity", "enabled",
        "policy", "failurePolicy", "affinityKeyName", "healthCheck", "active", "passive", "interval", "reactivationPeriod",
        "httpRequest", "activityTimeout", "version", "versionPolicy", "routeId",
    ];

    private static readonly Gen<string> OddString = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["abc/\\.%?#"], 0, 20],
        Gen.Const("\\ud800"), Gen.Const("\\u0000"), Gen.Const("\u202eevil"), Gen.Const("\u200b"), Gen.Const("😀\U0010FFFF"),
        Gen.Const("10000000.00:00:00"), Gen.Const("-1.00:00:00"), Gen.Const("00:00:00.0000001"), Gen.Const("99999999.00:00:00"),
        Gen.Const("RoundRobin"), Gen.Const("KeyedHeader"), Gen.Const("/api/{**rest}"), Gen.Const("/{id:regex(^(a+)+$)}"), Gen.Const("/{x:regex((a)\\\\1)}"),
        Gen.Int[1, 200_000].Select(n => new string('x', n)));

    // Only loopback or unusable addresses: an accepted random cluster may be probed.
    private static readonly Gen<string> Address = Gen.OneOf(
        Gen.Int[1, 65535].Select(p => $"http://127.0.0.1:{p}/"),
        Gen.Const("not-a-url"), Gen.Const("ftp://127.0.0.1/"), Gen.Const("http://127.0.0.1:0/"), Gen.Const(""));

    private static readonly Gen<string> Scalar = Gen.OneOf(
        OddString.Select(Quote),
        Gen.Long.Select(n => n.ToString()),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R") : "1e400"),
        Gen.OneOf("true", "false", "null", "1e400", "-0", "0.0000000001"));

    private static readonly Gen<string> Json = Gen.Recursive<string>((depth, json) => depth >= 4
        ? Scalar
        : Gen.Frequency(
            (3, Scalar),
            (4, Gen.Frequency(
                    (6, Gen.Select(Gen.OneOf(SchemaKeys), json, (k, v) => Quote(k) + ":" + v)),
                    (2, Gen.Select(Gen.OneOf("address", "health"), Address, (k, v) => Quote(k) + ":" + Quote(v))),
                    (1, Gen.Select(OddString, json, (k, v) => Quote(k) + ":" + v)))
                .List[0, 6].Select(members => "{" + string.Join(",", members) + "}")),
            (2, json.List[0, 5].Select(items => "[" + string.Join(",", items) + "]"))));

    private static readonly Gen<string> Body = Gen.Frequency(
        (6, Json),
        (2, Json.SelectMany(j => Gen.Int[0, Math.Max(0, j.Length - 1)].Select(cut => j[..cut]))), // truncated
        (1, Gen.Int[50, 5000].Select(n => new string('[', n) + new string(']', n))),             // deep nesting
        (1, Gen.OneOf("", "null", "{}", "[]", "\"\"", "{\"clusterId\":\"one\",\"match\":{\"path\":\"/a\"},\"clusterId\":\"two\"}", "\u0000\u0001", "{'a':1}")),
        (1, Gen.Int[1_000_000, 1_300_000].Select(n => "{\"metadata\":{\"k\":\"" + new string('v', n) + "\"}}")));       // over the cap

    private static readonly Gen<string> Id = Gen.OneOf(
        Gen.String[Gen.Char["abcdef-_0123456789"], 1, 12],
        Gen.OneOf("a%2Fb", "%2e%2e", "..%2F..%2Fadmin", "%00", "%C0%AE%C0%AE", "a%07b", "%E2%80%AE", "%F0%9F%98%80", "%ZZ", "a b"),
        Gen.Int[190, 400].Select(n => new string('i', n)),
        Gen.String[Gen.Char.AlphaNumeric, 1, 30].Select(Uri.EscapeDataString));

    private static readonly Gen<string> Path = Gen.OneOf(
        Id.Select(id => $"/admin/routes/{id}"),
        Id.Select(id => $"/admin/clusters/{id}"),
        Gen.Select(Id, Id).Select((c, d) => $"/admin/clusters/{c}/destinations/{d}"),
        Gen.OneOf("/admin/status", "/admin/cluster", "/admin/routing-table", "/admin/routes", "/admin/", "/admin/../healthz/ready", "/admin/%2e%2e/status"));

    private static readonly Gen<string?> Token = Gen.OneOf<string?>(
        null, TestNode.WriteToken, TestNode.WriteToken, TestNode.WriteToken, TestNode.ReadToken, "wrong-token", TestNode.WriteToken[..^1], TestNode.WriteToken + "0", "");

    private static readonly Gen<string?> ContentType = Gen.OneOf<string?>(
        "application/json", "application/json", "application/json; charset=utf-8", null, "text/plain", "application/x-www-form-urlencoded",
        "application/json; charset=utf-16", "application/jsonx", "multipart/form-data; boundary=b");

    private static readonly Gen<(string Method, string Path, string? Token, string? ContentType, string Body)> Request =
        Gen.Select(Gen.OneOf("GET", "POST", "PUT", "PUT", "DELETE", "PATCH", "HEAD"), Path, Token, ContentType, Body);

    [Fact]
    public async Task Random_admin_requests_never_get_a_5xx_never_change_the_table_when_refused_and_never_echo_a_secret()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var logs = new CapturedLogs();
        await using var node = await TestNode.StartAsync(
            new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url)),
            logs: logs);
        using var raw = new HttpClient { BaseAddress = new Uri(node.Node.AdminUrl), Timeout = TimeSpan.FromSeconds(15) };
        var iterations = long.TryParse(Environment.GetEnvironmentVariable("CLUSTERLB_FUZZ_ITERATIONS"), out var n) ? n : 600;
        var refused = 0;
        var committed = await AppliedVersionAsync(node, 0); // the last version the writer acknowledged

        await Request.SampleAsync(async request =>
        {
            // A change applies through the node's replica just after it is acknowledged: the table
            // must stand exactly at the last acknowledged version before each request.
            Assert.Equal(committed, await AppliedVersionAsync(node, committed));
            using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path);
            if (request.Token is not null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + request.Token);
            }

            if (request.Method is not ("GET" or "HEAD"))
            {
                message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
                if (request.ContentType is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
                }
            }

            HttpResponseMessage response;
            try
            {
                response = await raw.SendAsync(message);
            }
            catch (HttpRequestException) when (request.Body.Length > 64 * 1024)
            {
                // Refused before the body was read (401, 413...): the server closes rather than read a
                // large unwanted body, and the client sees the write fail. A closed connection is an answer.
                Assert.Equal(committed, await AppliedVersionAsync(node, committed));
                refused++;
                return;
            }

            using var _ = response;
            var text = await response.Content.ReadAsStringAsync();

            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} {text}");
            Assert.DoesNotContain(TestNode.WriteToken, text);
            Assert.DoesNotContain(TestNode.ReadToken, text);
            if (!response.IsSuccessStatusCode || request.Method is "GET" or "HEAD")
            {
                var after = await AppliedVersionAsync(node, committed);
                Assert.True(after == committed, $"answered {(int)response.StatusCode} but the table moved from v{committed} to v{after}: {text}");
                refused++;
            }
            else
            {
                committed = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("version").GetInt64();
            }
        },
        iter: iterations,
        threads: 1,
        print: r => $"{r.Method} {r.Path} token={(r.Token == TestNode.WriteToken ? "write" : r.Token == TestNode.ReadToken ? "read" : r.Token ?? "none")} type={r.ContentType} body[{r.Body.Length}]={r.Body[..Math.Min(300, r.Body.Length)]}");

        Assert.True(refused > iterations / 4, $"only {refused} of {iterations} requests were refused or reads: the generators are too tame");
        Assert.DoesNotContain(logs.Lines, line => line.Contains(TestNode.WriteToken) || line.Contains(TestNode.ReadToken));
    }

    /// <summary>The version the node runs, once it has reached at least <paramref name="atLeast"/>.</summary>
    private static async Task<long> AppliedVersionAsync(TestNode node, long atLeast)
    {
        var table = await Eventually.Get(
            async () =>
            {
                var status = await node.Admin.GetFromJsonAsync<ClusterLB.Node.Admin.NodeStatus>("/admin/status");
                return status!.RoutingTable is { } applied && applied.Version >= atLeast ? applied : null;
            },
            TimeSpan.FromSeconds(10),
            $"routing table v{atLeast} applied");
        return table.Version;
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
