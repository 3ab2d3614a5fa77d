using System.Net;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Demo;

/// <summary>
/// The README's first command: the node on its default configuration, as <c>dotnet run</c> starts it
/// (the Development environment, the project's own appsettings files), on the documented ports.
/// </summary>
public sealed class EmbeddedDefaultTests
{
    [Fact]
    public async Task Default_configuration_proxies_to_three_demo_backends_and_stops_cleanly_on_SIGTERM()
    {
        var workingDirectory = TempDirectory.Create("clusterlb-default");
        using var node = NodeProcess.Start(
            workingDirectory,
            ["--contentRoot", Path.Combine(Repository.Root, "src", "ClusterLB.Node"), $"--ClusterLB:DataDirectory={Path.Combine(workingDirectory, "data")}"],
            environment: "Development");
        using var admin = new HttpClient { BaseAddress = new Uri("http://localhost:9090"), Timeout = TimeSpan.FromSeconds(5) };
        using var proxy = new HttpClient { BaseAddress = new Uri("http://localhost:8080"), Timeout = TimeSpan.FromSeconds(5) };

        await Eventually.True(
            async () => !node.HasExited && (await admin.GetAsync("/healthz/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60),
            $"the default node to be ready\n{node.Stdout}\n{node.Stderr}");

        var answeredBy = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await proxy.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answeredBy.Add(response.Headers.GetValues(EchoServer.BackendHeader).Single());
        }

        Assert.Equal(["backend-1", "backend-2", "backend-3"], answeredBy.Order());
        Assert.Contains("curl http://localhost:8080/", node.Stdout);
        Assert.Contains("https://localhost:8443", node.Stdout);
        Assert.Contains("SHA-256 fingerprint", node.Stdout);

        // Secure by default: the admin API needs the token the node generated, which it names but never prints.
        var token = (await File.ReadAllTextAsync(Path.Combine(workingDirectory, "data", "admin.token"))).Trim();
        Assert.Contains(Path.Combine(workingDirectory, "data", "admin.token"), node.Stdout);
        Assert.DoesNotContain(token, node.Stdout + node.Stderr);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync("/admin/status")).StatusCode);
        admin.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/status")).StatusCode);

        await TheTourOfTheEdgeHoldsAsync(proxy, admin);

        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>docs/tour.md's "Caching and rate limits" and "The edge" lines, on the demo's own policies.</summary>
    private static async Task TheTourOfTheEdgeHoldsAsync(HttpClient proxy, HttpClient admin)
    {
        using var first = await proxy.GetAsync("/cached/page");
        using var second = await proxy.GetAsync("/cached/page");
        Assert.Equal(("MISS", "HIT"), (first.Headers.GetValues("X-Cache").Single(), second.Headers.GetValues("X-Cache").Single()));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync()); // the same generatedAt

        using var purge = await admin.PostAsync("/admin/cache/purge", Json.Body("{}"));
        Assert.Equal(HttpStatusCode.Accepted, purge.StatusCode);
        using var afterPurge = await proxy.GetAsync("/cached/page");
        Assert.Equal("MISS", afterPurge.Headers.GetValues("X-Cache").Single());

        // 5 per 10 s window, windows aligned to the clock: at least 5 pass before the first 429, and
        // one comes within two windows' worth of requests even if a window ends inside the loop.
        var admitted = 0;
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 11 && refused is null; i++)
        {
            var limited = await proxy.GetAsync("/limited/");
            if (limited.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = limited;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, limited.StatusCode);
                admitted++;
                limited.Dispose();
            }
        }

        Assert.NotNull(refused);
        Assert.InRange(admitted, 5, 10);
        Assert.NotNull(refused.Headers.RetryAfter);
        refused.Dispose();

        // The demo's request filter applies to every route.
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.GetAsync("/?q=1%20UNION%20SELECT%20password")).StatusCode);
    }
}
