using System.Net.Http.Json;
using ClusterLB.Dashboard.Tests.Infrastructure;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ClusterLB.Dashboard.Tests;

/// <summary>The dashboard of a real three-node cluster with real backends, in a real headless browser.</summary>
[Collection(DashboardCollection.Name)]
public sealed class LiveDashboardTests(HeadlessChromium browser, ITestOutputHelper output)
{
    private static readonly TimeSpan ClusterDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_operator_watches_the_cluster_live_and_rolls_back_a_change_from_the_history()
    {
        var shots = new Screenshots("live", output);
        await using var b1 = await StoppableBackend.StartAsync("b1");
        await using var b2 = await StoppableBackend.StartAsync("b2");
        await using var b3 = await StoppableBackend.StartAsync("b3");
        await using var cluster = await TestCluster.StartAsync(3, ProbedCluster(b1, b2, b3));

        var (context, page) = await browser.OpenAsync(DashboardPage.Url(cluster[0]));
        await using var _ = context;
        await Expect(page.GetByTestId("login")).ToBeVisibleAsync();
        await shots.TakeAsync(page, "login");

        // Logged in: the three members, each Up and reachable.
        await DashboardPage.LogInAndWaitAsync(page, TestNode.WriteToken, "node-1");
        await Expect(page.Locator("#members tbody tr[data-state=up]")).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        foreach (var name in new[] { "node-1", "node-2", "node-3" })
        {
            await Expect(page.GetByTestId($"member-{name}")).ToBeVisibleAsync();
        }

        await shots.TakeAsync(page, "members");

        // A little traffic through node 1: some destination shows requests per second above zero.
        using (var traffic = new CancellationTokenSource())
        {
            var sending = SendTrafficAsync(cluster[0], traffic.Token);
            await page.WaitForFunctionAsync(
                "() => [...document.querySelectorAll('#destinations [data-field=rps]')].some(td => parseFloat(td.textContent) > 0)",
                null, new() { Timeout = 20_000 });
            await traffic.CancelAsync();
            await sending;
        }

        await shots.TakeAsync(page, "traffic");

        // A backend dies: once the API says Unhealthy, the page shows it within 5 s.
        var b2Row = page.GetByTestId("destination-app-b2");
        await Expect(b2Row).ToHaveAttributeAsync("data-health", "Healthy", new() { Timeout = 15_000 });
        await b2.StopAsync();
        await Eventually.True(
            async () => (await DashboardPage.ObservedDestinationAsync(cluster[0], "app", "b2"))?.GetProperty("health").GetString() == "Unhealthy",
            ClusterDeadline,
            "the API reports b2 Unhealthy");
        await Expect(b2Row).ToHaveAttributeAsync("data-health", "Unhealthy", new() { Timeout = 5_000 });
        await Expect(b2Row.Locator("[data-field=health]")).ToHaveTextAsync("Unhealthy");
        await page.GetByTestId("expand-app-b2").ClickAsync();
        await Expect(page.GetByTestId("details-app-b2")).ToContainTextAsync("Recent probes");
        await shots.TakeAsync(page, "backend-unhealthy");

        // A change through the API appears in the history; its diff shows it; rolling back makes a new version.
        var before = await DashboardPage.TableVersionAsync(cluster[0]);
        using (var change = await cluster[1].Admin.PutAsJsonAsync("/admin/routes/extra", new { clusterId = "app", match = new { path = "/extra/{**rest}" } }))
        {
            Assert.True(change.IsSuccessStatusCode, $"the route change was refused: {(int)change.StatusCode} {await change.Content.ReadAsStringAsync()}");
        }

        var changed = before + 1;
        await Expect(page.GetByTestId($"history-{changed}")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.GetByTestId($"diff-{changed}").ClickAsync();
        await Expect(page.GetByTestId("diff-text")).ToContainTextAsync("extra");
        await shots.TakeAsync(page, "diff");

        await page.GetByTestId($"rollback-{before}").ClickAsync();
        await Expect(page.GetByTestId("rollback-dialog")).ToBeVisibleAsync();
        await page.GetByTestId("rollback-confirm").ClickAsync();
        var rolledBack = changed + 1;
        await Expect(page.GetByTestId("history-message")).ToContainTextAsync($"now v{rolledBack}");
        await Expect(page.GetByTestId($"history-{rolledBack}")).ToContainTextAsync($"rollback to v{before}");
        Assert.Equal(rolledBack, await DashboardPage.TableVersionAsync(cluster[2]));
        await cluster.WaitForVersionAsync(rolledBack);
        await Expect(page.Locator("#members [data-field=table]")).ToHaveTextAsync([$"v{rolledBack}", $"v{rolledBack}", $"v{rolledBack}"], new() { Timeout = 10_000 });
        await shots.TakeAsync(page, "rolled-back");

        // Node 3 stops: node 1's dashboard marks it (unreachable, leaving or gone), and node 3's own page says it stopped answering.
        var (context3, page3) = await browser.OpenAsync(DashboardPage.Url(cluster[2]));
        await using var __ = context3;
        await DashboardPage.LogInAndWaitAsync(page3, TestNode.WriteToken, "node-3");
        await cluster.StopNodeAsync(2);
        await page.WaitForFunctionAsync(
            "() => { const row = document.querySelector('[data-testid=\"member-node-3\"]'); return !row || row.dataset.state !== 'up'; }",
            null, new() { Timeout = 30_000 });
        await Expect(page.Locator("#members tbody tr[data-state=up]")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await shots.TakeAsync(page, "node-stopped");
        await Expect(page3.GetByTestId("banner")).ToContainTextAsync("not answering", new() { Timeout = 15_000 });
        await shots.TakeAsync(page3, "node-not-answering");
    }

    private static RouteSettings ProbedCluster(params StoppableBackend[] backends) => new RouteSettings()
        .Route("app", "/app", "app")
        .Cluster("app", backends.Select(b => (b.Name, b.Url)).ToArray())
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Enabled", "true")
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Interval", "00:00:00.500")
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Timeout", "00:00:01")
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Path", "/health")
        .With("ReverseProxy:Clusters:app:HealthCheck:Passive:Enabled", "true")
        .With("ClusterLB:Health:Rise", "2")
        .With("ClusterLB:Health:Fall", "2");

    private static async Task SendTrafficAsync(TestNode node, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await node.Proxy.GetAsync("/app/hello", stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            // Paced, not flooding two shared cores: about twenty requests a second.
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
