using System.Net.Http.Json;
using ClusterLB.Dashboard.Tests.Infrastructure;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ClusterLB.Dashboard.Tests;

/// <summary>A node killed with SIGKILL, seen on a surviving node's dashboard.</summary>
[Collection(DashboardCollection.Name)]
public sealed class NodeKillTests(HeadlessChromium browser, ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_node_turns_unreachable_on_another_nodes_dashboard_and_then_leaves_the_members()
    {
        var shots = new Screenshots("node-kill", output);
        await using var backend = await StoppableBackend.StartAsync("b1");
        await using var cluster = await TestCluster.StartAsync(2, new RouteSettings().Route("app", "/app", "app").Cluster("app", ("b1", backend.Url)));

        // Node 3 is a real process of its own, so that it can be killed as a crash would kill it.
        var seed = (await cluster[0].Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Address;
        var adminPort = ClosedPort.Find();
        var directory = TempDirectory.Create("clusterlb-killed");
        using var third = NodeProcess.Start(directory,
        [
            "--ClusterLB:NodeName=node-3",
            $"--ClusterLB:DataDirectory={Path.Combine(directory, "data")}",
            "--Urls=http://127.0.0.1:0",
            $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}",
            "--ClusterLB:Cluster:Hostname=127.0.0.1",
            $"--ClusterLB:Cluster:Port={ClosedPort.Find()}",
            $"--ClusterLB:Cluster:Seeds:0={seed}",
            $"--ClusterLB:Admin:Tokens:test-writer:Token={TestNode.WriteToken}",
            "--ClusterLB:Admin:Tokens:test-writer:Role=write",
            .. TestCertificateAuthority.ClusterNode.Args,
        ]);
        using var thirdAdmin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.True(
            async () => !third.HasExited && (await thirdAdmin.GetAsync("/healthz/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60),
            $"node 3 ready\n{third.Stdout}\n{third.Stderr}");
        await cluster.WaitForMembersAsync(3);

        var (context, page) = await browser.OpenAsync(DashboardPage.Url(cluster[0]));
        await using var _ = context;
        await DashboardPage.LogInAndWaitAsync(page, TestNode.WriteToken, "node-1");
        await Expect(page.Locator("#members tbody tr[data-state=up]")).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        await shots.TakeAsync(page, "three-members");

        third.Kill(); // SIGKILL: no leaving, the others only stop hearing from it
        var row = page.GetByTestId("member-node-3");
        await Expect(row).ToHaveAttributeAsync("data-state", "unreachable", new() { Timeout = 30_000 });
        await Expect(row.Locator("[data-field=reachable]")).ToHaveTextAsync("UNREACHABLE");
        await shots.TakeAsync(page, "unreachable");

        // The split brain resolver downs it; it leaves the list.
        await Expect(row).ToHaveCountAsync(0, new() { Timeout = 60_000 });
        await Expect(page.Locator("#members tbody tr[data-state=up]")).ToHaveCountAsync(2);
        await shots.TakeAsync(page, "removed");
    }
}
