using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ClusterLB.Node.Tests.Admin;

/// <summary>One node whose refusals the problem-details tests ask for; none of them changes its table.</summary>
public sealed class RefusingNode : IAsyncLifetime
{
    public TestNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await TestNode.StartAsync(new RouteSettings()
        .Route("a", "/a", "one")
        .Cluster("one", ("alpha", "http://127.0.0.1:9/"))
        .With("ClusterLB:Admin:MaxRequestBodySize", "1024"));

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

public sealed class ProblemDetailsTests(RefusingNode fixture) : IClassFixture<RefusingNode>
{
    private const string Route = """{"clusterId":"one","match":{"path":"/b"}}""";

    /// <summary>A refusal: the request, its status, and the field its <c>errors</c> must name (null: none).</summary>
    public sealed record Refusal(string Method, string Path, string? Token, string? ContentType, string? Body, HttpStatusCode Status, string? Field, string? Host = null, string? IfMatch = null)
    {
        public override string ToString() => $"{Method} {Path} -> {(int)Status} {Field}";
    }

    public static TheoryData<string, Refusal> Refusals => new()
    {
        { "a Host that is not the listener's", new("GET", "/admin/status", TestNode.ReadToken, null, null, HttpStatusCode.BadRequest, null, Host: "attacker.example") },
        { "no token", new("GET", "/admin/status", null, null, null, HttpStatusCode.Unauthorized, null) },
        { "a token that is not valid", new("GET", "/admin/status", "not-a-token", null, null, HttpStatusCode.Unauthorized, null) },
        { "a read token that changes", new("PUT", "/admin/routes/b", TestNode.ReadToken, "application/json", Route, HttpStatusCode.Forbidden, null) },
        { "a body over the cap", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", $$"""{"clusterId":"{{new string('x', 2048)}}"}""", HttpStatusCode.RequestEntityTooLarge, null) },
        { "a body that is not JSON", new("PUT", "/admin/routes/b", TestNode.WriteToken, "text/plain", Route, HttpStatusCode.UnsupportedMediaType, null) },
        { "malformed JSON", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", """{"clusterId":"one",""", HttpStatusCode.BadRequest, "body") },
        { "a value of the wrong type", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", """{"clusterId":5}""", HttpStatusCode.BadRequest, "clusterId") },
        { "an unknown top-level field, named once", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", """{"clusterId":"one","match":{"path":"/b"},"colour":"red"}""", HttpStatusCode.BadRequest, "colour") },
        { "an unknown nested field", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", """{"clusterId":"one","match":{"path":"/b","colour":"red"}}""", HttpStatusCode.BadRequest, "match.colour") },
        { "an invalid route", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", """{"clusterId":"missing","match":{"path":"/b"}}""", HttpStatusCode.BadRequest, "Routes:b:ClusterId") },
        { "a route that exists, created again", new("POST", "/admin/routes/a", TestNode.WriteToken, "application/json", """{"clusterId":"one","match":{"path":"/a"}}""", HttpStatusCode.Conflict, "Routes:a") },
        { "a destination that does not exist", new("POST", "/admin/clusters/one/destinations/nobody/drain", TestNode.WriteToken, "application/json", "{}", HttpStatusCode.NotFound, "Clusters:one:Destinations:nobody") },
        { "a weight without a weight", new("PUT", "/admin/clusters/one/destinations/alpha/weight", TestNode.WriteToken, "application/json", "{}", HttpStatusCode.BadRequest, "weight") },
        { "a malformed If-Match", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", Route, HttpStatusCode.BadRequest, "If-Match", IfMatch: "12") },
        { "a stale If-Match", new("PUT", "/admin/routes/b", TestNode.WriteToken, "application/json", Route, HttpStatusCode.PreconditionFailed, "If-Match", IfMatch: "\"999\"") },
        { "a history page too long", new("GET", "/admin/history?limit=100000", TestNode.ReadToken, null, null, HttpStatusCode.BadRequest, "limit") },
        { "a query parameter of the wrong type", new("GET", "/admin/history?limit=ten", TestNode.ReadToken, null, null, HttpStatusCode.BadRequest, null) },
        { "a version that does not exist", new("GET", "/admin/history/1/diff/999", TestNode.ReadToken, null, null, HttpStatusCode.NotFound, "version") },
        { "a rollback to a version that does not exist", new("POST", "/admin/rollback/999", TestNode.WriteToken, "application/json", "{}", HttpStatusCode.NotFound, "version") },
        { "an import with an unknown field", new("PUT", "/admin/import", TestNode.WriteToken, "application/json", """{"ReverseProxy":{"Routs":{}}}""", HttpStatusCode.BadRequest, "ReverseProxy.Routs") },
        { "a purge of a route that does not exist", new("POST", "/admin/cache/purge", TestNode.WriteToken, "application/json", """{"routeId":"nope"}""", HttpStatusCode.BadRequest, "routeId") },
        { "a purge with an unknown field", new("POST", "/admin/cache/purge", TestNode.WriteToken, "application/json", """{"route":"a"}""", HttpStatusCode.BadRequest, "route") },
        { "a path that is not an admin endpoint", new("GET", "/admin/nothing-here", TestNode.ReadToken, null, null, HttpStatusCode.NotFound, null) },
        { "a method the path does not take", new("GET", "/admin/import", TestNode.ReadToken, null, null, HttpStatusCode.MethodNotAllowed, null) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Every_refusal_is_a_problem_with_type_title_status_and_detail_and_changes_nothing(string because, Refusal refusal)
    {
        var before = await VersionAsync();
        using var client = fixture.Node.AdminClient(refusal.Token);
        using var request = new HttpRequestMessage(new HttpMethod(refusal.Method), refusal.Path);
        if (refusal.Body is not null)
        {
            request.Content = new StringContent(refusal.Body, Encoding.UTF8);
            request.Content.Headers.ContentType = refusal.ContentType is null ? null : MediaTypeHeaderValue.Parse(refusal.ContentType);
        }

        if (refusal.Host is not null)
        {
            request.Headers.Host = refusal.Host;
        }

        if (refusal.IfMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", refusal.IfMatch);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(refusal.Status == response.StatusCode, $"{because}: {(int)response.StatusCode} {text}");
        var problem = AssertProblem(response, text, (int)refusal.Status);
        if (refusal.Field is { } field)
        {
            var errors = problem.GetProperty("errors").EnumerateArray().ToList();
            Assert.Contains(errors, e => e.GetProperty("field").GetString() == field && e.GetProperty("message").GetString()!.Length > 0);
        }

        Assert.NotEqual(problem.GetProperty("title").GetString(), problem.GetProperty("detail").GetString()); // a detail says more than the status

        if (refusal.Status == HttpStatusCode.PreconditionFailed)
        {
            Assert.Equal(before, problem.GetProperty("version").GetInt64());
            Assert.Equal($"the routing table is at version {before}, not 999 (If-Match)", problem.GetProperty("detail").GetString());
        }

        Assert.Equal(before, await VersionAsync());
    }

    [Fact]
    public async Task An_unhandled_exception_in_an_admin_handler_is_a_problem_500_without_a_stack_trace()
    {
        var logs = new CapturedLogs();
        await using var node = await TestNode.StartAsync(
            new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", "http://127.0.0.1:9/")),
            logs: logs,
            adminEndpoints: admin =>
            {
                admin.MapGet("/admin/failing", string () => throw new InvalidOperationException("secret internals at Some.Type.Method()"));
                admin.MapGet("/admin/unreadable", string () => throw new BadHttpRequestException("Unexpected end of request content."));
            });

        using var response = await node.Admin.GetAsync("/admin/failing");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var problem = AssertProblem(response, text, StatusCodes.Status500InternalServerError);
        Assert.Contains("the node's log", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("secret internals", text);
        Assert.DoesNotContain("InvalidOperationException", text);
        Assert.DoesNotContain(" at ", text);
        Assert.Contains(logs.Lines, line => line.Contains("/admin/failing"));

        // A request the server could not read is the client's error, not the node's.
        using var unreadable = await node.Admin.GetAsync("/admin/unreadable");
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
        var bad = AssertProblem(unreadable, await unreadable.Content.ReadAsStringAsync(), StatusCodes.Status400BadRequest);
        Assert.Equal("Unexpected end of request content.", bad.GetProperty("detail").GetString());
    }

    private static JsonElement AssertProblem(HttpResponseMessage response, string text, int status)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(text);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("https://", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), text);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), text);
        return problem;
    }

    private async Task<long> VersionAsync() =>
        JsonSerializer.Deserialize<JsonElement>(await fixture.Node.Admin.GetStringAsync("/admin/routing-table")).GetProperty("version").GetInt64();
}
