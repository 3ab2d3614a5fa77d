using System.Net.Http.Headers;
using System.Text.Json;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Observability;

public sealed class JsonLogTests
{
    [Fact]
    public async Task Json_log_lines_about_a_request_carry_its_request_id_and_no_secret()
    {
        var directory = TempDirectory.Create("clusterlb-jsonlog");
        var token = "json-log-token-" + Guid.NewGuid().ToString("N");
        var (proxyPort, adminPort) = (ClosedPort.Find(), ClosedPort.Find());
        await using var backends = await Backends.StartAsync("alpha");
        using var node = NodeProcess.Start(directory,
        [
            $"--ClusterLB:DataDirectory={Path.Combine(directory, "data")}",
            "--ClusterLB:NodeName=json-node",
            "--ClusterLB:Logging:Format=json",
            $"--Urls=http://127.0.0.1:{proxyPort}",
            $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}",
            "--ReverseProxy:Routes:a:ClusterId=one",
            "--ReverseProxy:Routes:a:Match:Path=/{**rest}",
            $"--ReverseProxy:Clusters:one:Destinations:d:Address={backends[0].Url}",
        ],
        variables: new Dictionary<string, string>
        {
            ["ClusterLB__Admin__Tokens__ops__Token"] = token,
            ["ClusterLB__Admin__Tokens__ops__Role"] = "write",
            ["Logging__LogLevel__Yarp"] = "Information",
        });
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(10) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Eventually.True(async () => (await admin.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), $"the node to be ready\n{node.Stderr}");
        using var proxy = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxyPort}") };

        using var response = await proxy.GetAsync("/x");
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        var aboutTheRequest = await Eventually.Get(
            () => Task.FromResult<JsonElement?>(Lines(node.Stdout).Cast<JsonElement?>().FirstOrDefault(line =>
                line!.Value.GetProperty("Category").GetString()!.StartsWith("Yarp.", StringComparison.Ordinal)
                && Scopes(line.Value).Any(s => s.TryGetProperty("XRequestId", out var id) && id.GetString() == requestId))),
            TimeSpan.FromSeconds(10),
            $"a YARP line carrying request id {requestId}\n{node.Stdout}");

        Assert.Equal("Information", aboutTheRequest!.Value.GetProperty("LogLevel").GetString());
        Assert.All(Lines(node.Stdout), line => Assert.True(line.TryGetProperty("Timestamp", out _)));
        Assert.Contains(Lines(node.Stdout), line =>
            line.GetProperty("Category").GetString()!.StartsWith("Akka", StringComparison.Ordinal)
            && line.GetProperty("Message").GetString()!.Contains("clusterlb@", StringComparison.Ordinal)); // an actor's line names its node
        Assert.DoesNotContain(token, node.Stdout + node.Stderr);
        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Every stdout line, each of which must be one JSON object.</summary>
    private static List<JsonElement> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    private static IEnumerable<JsonElement> Scopes(JsonElement line) =>
        line.TryGetProperty("Scopes", out var scopes) ? scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object) : [];
}
