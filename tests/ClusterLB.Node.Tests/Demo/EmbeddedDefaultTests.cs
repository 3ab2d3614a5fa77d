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
        await TheTourOfTrafficPoliciesHoldsAsync(proxy, admin);

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

    /// <summary>docs/tour.md's "Traffic policies" lines, on the demo's own routes.</summary>
    private static async Task TheTourOfTrafficPoliciesHoldsAsync(HttpClient proxy, HttpClient admin)
    {
        Assert.Equal(await BackendAsync(proxy, "/hash/", "alice"), await BackendAsync(proxy, "/hash/", "alice"));

        var sides = new List<string>();
        for (var i = 1; i <= 100; i++)
        {
            // The stable side has two backends, the canary one: a user's side is fixed, not the backend within it.
            var side = await BackendAsync(proxy, "/canary/", $"user-{i}") == "backend-3" ? "canary" : "stable";
            Assert.Equal(side, await BackendAsync(proxy, "/canary/", $"user-{i}") == "backend-3" ? "canary" : "stable");
            sides.Add(side);
        }

        Assert.InRange(sides.Count(s => s == "canary"), 8, 35); // 20 % of 100, well within chance

        await CommandAsync(admin, HttpMethod.Post, "/admin/clusters/demo/destinations/backend-2/drain", "{}");
        for (var i = 0; i < 9; i++)
        {
            Assert.NotEqual("backend-2", await BackendAsync(proxy, "/", null));
        }

        await CommandAsync(admin, HttpMethod.Post, "/admin/clusters/demo/destinations/backend-2/enable", "{}");
        await Eventually.True(async () => await BackendAsync(proxy, "/", null) == "backend-2", TimeSpan.FromSeconds(10), "backend-2 back in the rotation");

        await CommandAsync(admin, HttpMethod.Put, "/admin/clusters/demo/destinations/backend-1/weight", """{"weight":3}""");
        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await BackendAsync(proxy, "/", null));
        }

        Assert.InRange(answers.Count(a => a == "backend-1"), 5, 7);

        using var ghost = await admin.PostAsync("/admin/clusters/demo/destinations/ghost/drain", Json.Body("{}"));
        Assert.Equal(HttpStatusCode.NotFound, ghost.StatusCode);
        Assert.Contains("Clusters:demo:Destinations:ghost", await ghost.Content.ReadAsStringAsync());
    }

    private static async Task<string> BackendAsync(HttpClient proxy, string path, string? user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (user is not null)
        {
            request.Headers.Add("X-User", user);
        }

        using var response = await proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues(EchoServer.BackendHeader).Single();
    }

    /// <summary>Sends an admin change and waits until the node runs the version it made.</summary>
    private static async Task CommandAsync(HttpClient admin, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = Json.Body(body) };
        using var response = await admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {text}");
        var version = System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("version").GetInt64();
        await Eventually.True(
            async () => System.Text.Json.JsonDocument.Parse(await admin.GetStringAsync("/admin/status")).RootElement.GetProperty("routingTable").GetProperty("version").GetInt64() >= version,
            TimeSpan.FromSeconds(10),
            $"the node to run version {version}");
    }
}
