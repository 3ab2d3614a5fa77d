using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// Tokens and passwords reach the node from the environment or files and never leave it: not in
/// logs, status, error bodies or the welcome text. What it writes is readable by its user only.
/// </summary>
public sealed class SecretsTests
{
    private const string DatabasePassword = "Db-Password-That-Must-Not-Leak-42";

    [Fact]
    public async Task Secrets_from_the_environment_and_files_appear_in_no_log_status_error_body_or_welcome_text()
    {
        var directory = TempDirectory.Create("clusterlb-secrets");
        var tokenFile = Path.Combine(directory, "ops.token");
        var fileToken = "file-token-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(tokenFile, fileToken + "\n");
        var envToken = "env-token-" + Guid.NewGuid().ToString("N");
        var signingKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var (proxyPort, adminPort, databasePort) = (ClosedPort.Find(), ClosedPort.Find(), ClosedPort.Find());

        // A journal that cannot be reached, so that its errors reach status and error bodies.
        using var node = NodeProcess.Start(directory,
        [
            $"--ClusterLB:DataDirectory={Path.Combine(directory, "data")}",
            $"--Urls=http://127.0.0.1:{proxyPort}",
            $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}",
            "--ReverseProxy:Routes:a:ClusterId=one",
            "--ReverseProxy:Routes:a:Match:Path=/{**rest}",
            "--ReverseProxy:Clusters:one:Destinations:d:Address=http://127.0.0.1:5999/",
        ],
        variables: new Dictionary<string, string>
        {
            ["ClusterLB__Admin__Tokens__ops__TokenFile"] = tokenFile,
            ["ClusterLB__Admin__Tokens__ops__Role"] = "write",
            ["ClusterLB__Admin__Tokens__ci__Token"] = envToken,
            ["ClusterLB__Admin__Tokens__ci__Role"] = "read",
            ["ClusterLB__Authentication__JwtBearer__Issuer"] = "https://issuer.test",
            ["ClusterLB__Authentication__JwtBearer__Audience"] = "api",
            ["ClusterLB__Authentication__JwtBearer__SigningKey"] = signingKey,
            ["ClusterLB__Persistence__Provider"] = "PostgreSql",
            ["ClusterLB__Persistence__ConnectionString"] = $"Host=127.0.0.1;Port={databasePort};Username=clusterlb;Password={DatabasePassword};Database=clusterlb;Timeout=1",
            ["Logging__LogLevel__Default"] = "Debug",
        });
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(10) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fileToken);
        await Eventually.True(async () => (await admin.GetAsync("/admin/status")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), $"the node to answer\n{node.Stderr}");

        var answers = new StringBuilder();
        await Eventually.True(
            async () =>
            {
                var status = await admin.GetStringAsync("/admin/status");
                answers.AppendLine(status);
                return status.Contains("\"error\":\"", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(60),
            "the journal error in status");
        using var change = await admin.PutAsync("/admin/clusters/one/destinations/e", new StringContent("""{ "address": "http://127.0.0.1:5998/" }""", Encoding.UTF8, "application/json"));
        answers.AppendLine(await change.Content.ReadAsStringAsync());
        using var reader = new HttpClient { BaseAddress = admin.BaseAddress };
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", envToken);
        answers.AppendLine(await (await reader.PutAsync("/admin/routes/x", new StringContent("{}", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync());
        answers.AppendLine(await (await reader.GetAsync("/admin/cluster")).Content.ReadAsStringAsync());

        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var everything = answers + node.Stdout + node.Stderr;
        Assert.Contains("PostgreSQL", everything); // the journal is named...
        foreach (var secret in new[] { DatabasePassword, fileToken, envToken, signingKey })
        {
            Assert.DoesNotContain(secret, everything); // ...its password, the tokens and the JWT signing key are not
        }
    }

    [Fact]
    public async Task Files_a_node_writes_are_readable_by_its_user_only()
    {
        var directory = TempDirectory.Create("clusterlb-files");
        var data = Path.Combine(directory, "data");
        await using (var node = await TestNode.StartAsync(
            new RouteSettings().Route("a", "/a", "one").Cluster("one", ("d", "http://127.0.0.1:5999/")).With("ClusterLB:DataDirectory", data),
            directory,
            configureTestTokens: false))
        {
            await Eventually.True(() => Task.FromResult(Directory.GetFiles(data, "last-table.*").Length > 0), TimeSpan.FromSeconds(10), "the last table saved");
        }

        var files = Directory.GetFiles(data);
        Assert.Contains(files, f => f.EndsWith("admin.token"));
        Assert.Contains(files, f => f.EndsWith("clusterlb.db"));
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        foreach (var file in files)
        {
            Assert.True((File.GetUnixFileMode(file) & others) == 0, $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}");
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
    }
}
