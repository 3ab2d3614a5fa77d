using System.Net;
using System.Net.Http.Json;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Admin;

public sealed class HealthAndStatusTests
{
    [Fact]
    public async Task Ready_node_reports_live_ready_and_its_status()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("echo", "/echo", "echo").Cluster("echo", ("alpha", backends[0].Url)));

        Assert.Equal(HttpStatusCode.OK, (await node.Admin.GetAsync("/healthz/live")).StatusCode);
        var ready = await node.Admin.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("routing table v1", await ready.Content.ReadAsStringAsync());

        var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
        Assert.NotNull(status);
        Assert.Equal("test-node", status.Node);
        Assert.Equal("Up", status.MemberStatus);
        Assert.Contains("balancer", status.Roles);
        Assert.True(status.IsLeader);
        Assert.True(status.HostsRoutingTableWriter);
        Assert.Equal(new RoutingTableStatus(1, 1, 1, "Cluster"), status.RoutingTable);
        Assert.StartsWith("SQLite ", status.Journal.Description);
    }

    [Fact]
    public async Task Admin_endpoints_are_not_served_on_the_proxy_listener()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("echo", "/echo", "echo").Cluster("echo", ("alpha", backends[0].Url)));

        Assert.Equal(HttpStatusCode.NotFound, (await node.Proxy.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Proxy.GetAsync("/admin/status")).StatusCode);
    }

    [Fact]
    public async Task Node_that_cannot_join_its_cluster_says_so_and_is_live_but_not_ready()
    {
        var seedEndpoint = $"clusterlb@127.0.0.1:{ClosedPort.Find()}";
        var unreachableSeed = $"akka.tcp://{seedEndpoint}";
        var logs = new CapturedLogs();
        await using var node = await TestNode.StartAsync(
            new RouteSettings().With("ClusterLB:Cluster:Seeds:0", unreachableSeed),
            logs: logs,
            waitUntilReady: false);

        var line = await Eventually.Get(
            () => Task.FromResult(logs.Lines.FirstOrDefault(l => l.Contains("Not a member of cluster 'clusterlb'"))),
            TimeSpan.FromSeconds(30),
            "the log line saying the node could not join");
        Assert.Contains(seedEndpoint, line); // in the scheme of the node's transport (akka.ssl.tcp over TLS)

        Assert.Equal(HttpStatusCode.OK, (await node.Admin.GetAsync("/healthz/live")).StatusCode);
        var ready = await node.Admin.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("not Up", await ready.Content.ReadAsStringAsync());
        var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
        Assert.False(status!.Ready);
        Assert.Null(status.RoutingTable);
    }

    [Fact]
    public async Task Node_configured_with_another_cluster_name_does_not_join_says_so_and_stays_unready()
    {
        var seedPort = ClosedPort.Find();
        await using var seed = await TestNode.StartAsync(new RouteSettings().With("ClusterLB:Cluster:Port", seedPort.ToString()));
        var logs = new CapturedLogs();

        await using var stranger = await TestNode.StartAsync(
            new RouteSettings()
                .With("ClusterLB:Cluster:Name", "other")
                .With("ClusterLB:Cluster:Seeds:0", $"akka.tcp://other@127.0.0.1:{seedPort}"),
            logs: logs,
            waitUntilReady: false);

        await Eventually.Get(
            () => Task.FromResult(logs.Lines.FirstOrDefault(l => l.Contains("Not a member of cluster 'other'") && l.Contains("use the cluster name 'other'"))),
            TimeSpan.FromSeconds(30),
            "the log line saying the node could not join");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await stranger.Admin.GetAsync("/healthz/ready")).StatusCode);
        var members = (await seed.Admin.GetFromJsonAsync<ClusterOverview>("/admin/cluster"))!.Members;
        Assert.Single(members);
    }
}
