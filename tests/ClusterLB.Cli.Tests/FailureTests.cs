using System.Net;
using ClusterLB.Cli.Admin;
using ClusterLB.Cli.Tests.Infrastructure;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Cli.Tests;

[Collection(CliNodeCollection.Name)]
public sealed class FailureTests(CliNode node)
{
    [Fact]
    public async Task A_wrong_token_is_refused_with_exit_1_and_the_servers_reason()
    {
        var run = (await CliRun.RunAsync(["status", "--server", node.Node.Node.AdminUrl, "--token", "not-the-token"])).Exited(1);
        Assert.Equal("clusterlb: 401 Unauthorized: the admin token is not valid", run.ErrorLine);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task A_read_token_may_read_but_not_change()
    {
        (await CliRun.RunAsync(["status", "--server", node.Node.Node.AdminUrl, "--token", TestNode.ReadToken])).Exited(0);
        var run = (await CliRun.RunAsync(["drain", "echo", "alpha", "--server", node.Node.Node.AdminUrl, "--token", TestNode.ReadToken])).Exited(1);
        Assert.StartsWith("clusterlb: 403 Forbidden: token 'test-reader' may only read", run.ErrorLine);
    }

    [Fact]
    public async Task Server_and_token_come_from_the_environment_or_the_local_token_file()
    {
        var fromEnvironment = new Dictionary<string, string> { ["CLUSTERLB_SERVER"] = node.Node.Node.AdminUrl, ["CLUSTERLB_TOKEN"] = TestNode.ReadToken };
        (await CliRun.RunAsync(["status"], variables: fromEnvironment)).Exited(0);

        var folder = TempDirectory.Create("clusterlb-cli");
        Directory.CreateDirectory(Path.Combine(folder, "data"));
        await File.WriteAllTextAsync(Path.Combine(folder, "data", "admin.token"), TestNode.ReadToken + "\n");
        (await CliRun.RunAsync(["status", "--server", node.Node.Node.AdminUrl], workingDirectory: folder)).Exited(0);

        // No token anywhere: the server's refusal.
        Assert.Contains("401", (await CliRun.RunAsync(["status", "--server", node.Node.Node.AdminUrl], workingDirectory: TempDirectory.Create("clusterlb-cli"))).Exited(1).ErrorLine);
    }

    [Fact]
    public async Task An_unreachable_server_exits_3_in_one_line()
    {
        var port = ClosedPort.Find();
        var run = (await CliRun.RunAsync(["status", "--server", $"http://127.0.0.1:{port}", "--token", "t"])).Exited(3);
        Assert.StartsWith($"clusterlb: cannot reach http://127.0.0.1:{port}/", run.ErrorLine);

        var unknownHost = (await CliRun.RunAsync(["members", "--server", "http://no-such-host.invalid:9090", "--token", "t"])).Exited(3);
        Assert.StartsWith("clusterlb: cannot reach http://no-such-host.invalid:9090/", unknownHost.ErrorLine);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("drain", "echo")]
    [InlineData("weight", "echo", "alpha", "heavy")]
    [InlineData("weight", "echo", "alpha", "0")]
    [InlineData("diff", "1")]
    [InlineData("routes", "get")]
    [InlineData("status", "--server", "ftp://example")]
    [InlineData("routes", "set", "r")]
    [InlineData("routes", "set", "r", "--file", "no-such-file.json")]
    [InlineData("status", "--token-file", "no-such-file")]
    public async Task Bad_usage_exits_2_without_asking_the_server(params string[] args)
    {
        // A closed port: had the client sent a request, it would exit 3.
        var run = await CliRun.RunAsync(args.Contains("--server") ? args : [.. args, "--server", $"http://127.0.0.1:{ClosedPort.Find()}"]);

        run.Exited(2);
        Assert.StartsWith("clusterlb: ", run.ErrorLine);
        Assert.Empty(run.Out);
    }

    [Fact]
    public void An_empty_404_says_the_node_does_not_serve_the_path()
    {
        Assert.Equal(
            "404 NotFound: the server does not serve GET /admin/history (a node older than this client?)",
            new AdminAnswer(HttpStatusCode.NotFound, "").Refusal("GET", "/admin/history"));
        Assert.Equal(
            "503 ServiceUnavailable: journal unavailable",
            new AdminAnswer(HttpStatusCode.ServiceUnavailable, """{"error":"journal unavailable"}""").Refusal("PUT", "/admin/routes/a"));
    }

    [Fact]
    public void A_problem_is_one_line_of_its_detail_and_each_of_its_errors()
    {
        Assert.Equal(
            "400 BadRequest: colour: unknown field 'colour'; match.path: is required",
            new AdminAnswer(HttpStatusCode.BadRequest, """
                {"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"Bad Request","status":400,
                 "detail":"colour: unknown field 'colour'; match.path: is required",
                 "errors":[{"field":"colour","message":"unknown field 'colour'"},{"field":"match.path","message":"is required"}]}
                """).Refusal("PUT", "/admin/routes/a"));
        Assert.Equal(
            "400 BadRequest: the import was refused: Routes:a:ClusterId: names cluster 'x', which does not exist",
            new AdminAnswer(HttpStatusCode.BadRequest, """
                {"title":"Bad Request","status":400,"detail":"the import was refused",
                 "errors":[{"field":"Routes:a:ClusterId","message":"names cluster 'x', which does not exist"}]}
                """).Refusal("PUT", "/admin/import"));
        Assert.Equal(
            "503 ServiceUnavailable: journal unavailable: connection refused; nothing was changed",
            new AdminAnswer(HttpStatusCode.ServiceUnavailable, """
                {"title":"Service Unavailable","status":503,"detail":"journal unavailable:\nconnection refused; nothing was changed"}
                """).Refusal("PUT", "/admin/routes/a"));
        Assert.Equal(
            "refused: the routing table is at version 14, not 12 (If-Match)",
            new AdminAnswer(HttpStatusCode.PreconditionFailed, """
                {"title":"Precondition Failed","status":412,"detail":"the routing table is at version 14, not 12 (If-Match)","version":14,
                 "errors":[{"field":"If-Match","message":"the change was based on v12; the table is now v14"}]}
                """).Refusal("PUT", "/admin/routes/a", ifMatch: 12));
    }
}
