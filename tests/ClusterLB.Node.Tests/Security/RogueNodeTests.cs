using System.Net.Http.Json;
using Akka.Actor;
using Akka.Cluster;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Health;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.MultiProcess;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// Only a process with a certificate from the cluster's CA reaches the nodes: one with the right cluster
/// name and protocol but no certificate, or a certificate from another CA, neither joins nor gets a
/// message delivered (commands to the writer, Distributed Data gossip), and the table and verdicts stay.
/// </summary>
[Collection(MultiProcessCollection.Name)]
public sealed class RogueNodeTests
{
    // Long enough for several join retries (seed-node-timeout 1 s), gossip rounds (200 ms) and resends.
    private static readonly TimeSpan ObservationWindow = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Process_without_a_certificate_neither_joins_nor_changes_the_table_or_the_verdicts()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var cluster = await TestCluster.StartAsync(2, Routes(backends));
        await using var rogue = RogueNode.Start(certificate: null);

        await AssertKeptOut(cluster, rogue);
    }

    [Fact]
    public async Task Process_with_a_certificate_from_another_CA_neither_joins_nor_changes_the_table_or_the_verdicts()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var seedLogs = new CapturedLogs();
        await using var cluster = await TestCluster.StartAsync(2, Routes(backends), seedLogs);
        await using var rogue = RogueNode.Start(new TestCertificateAuthority("Another CA").Issue("intruder"));

        await AssertKeptOut(cluster, rogue);
        Assert.Contains(seedLogs.Lines, line => line.Contains("Refused remoting peer") && line.Contains("CN=intruder"));
    }

    [Fact]
    public async Task Process_with_a_certificate_from_the_cluster_CA_joins_and_is_heard_so_the_refusals_are_the_certificate_checks()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var cluster = await TestCluster.StartAsync(2, Routes(backends));
        var before = await Views(cluster);
        await using var newcomer = RogueNode.Start(TestCertificateAuthority.Cluster.Issue("newcomer"));
        var seed = newcomer.AddressOf(cluster[0]);

        Attack(newcomer, seed);

        await Eventually.True(async () => await newcomer.IsAnsweredBy(seed, TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(20), "the seed answers the newcomer");
        await cluster.WaitForMembersAsync(3);
        await Eventually.True(
            async () => (await Views(cluster)).All(v => v.TableVersion > before[0].TableVersion && v.VerdictVersion != before[0].VerdictVersion),
            TimeSpan.FromSeconds(20),
            "the newcomer's command and verdict applied on every node");
        await newcomer.Cluster.LeaveAsync();
    }

    private static RouteSettings Routes(Backends backends) => new RouteSettings()
        .Route("a", "/a", "one")
        .Cluster("one", ("alpha", backends[0].Url));

    /// <summary>What an intruder tries: join, remove a route through the writer, gossip an Unhealthy verdict.</summary>
    private static void Attack(RogueNode rogue, Address seed)
    {
        rogue.TryJoin(seed);
        rogue.SendToWriter(seed, new RemoveRoute("a"));
        rogue.WriteVerdicts(new Dictionary<string, ReplicatedVerdict>
        {
            [DestinationKey.Of("one", "alpha")] = new(HealthVerdict.Unhealthy, rogue.Cluster.SelfAddress.ToString(), long.MaxValue / 2, "intruder", DateTimeOffset.UtcNow),
        });
    }

    private static async Task AssertKeptOut(TestCluster cluster, RogueNode rogue)
    {
        var before = await Views(cluster);
        var seed = rogue.AddressOf(cluster[0]);
        Attack(rogue, seed);

        // Proving an absence: poll over a bounded window; every round also retries the command.
        var deadline = DateTime.UtcNow + ObservationWindow;
        var rounds = 0;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(await rogue.IsAnsweredBy(seed, TimeSpan.FromSeconds(1)), "a node answered a process it must not hear");
            rogue.SendToWriter(seed, new RemoveRoute("a"));
            Assert.Equal(before, await Views(cluster));
            Assert.NotEqual(MemberStatus.Up, rogue.Cluster.SelfMember.Status);
            rounds++;
        }

        Assert.True(rounds >= 3, $"only {rounds} observation rounds");
        foreach (var node in cluster.Running)
        {
            using var response = await node.Proxy.GetAsync("/a/x");
            Assert.True(response.IsSuccessStatusCode, $"route a on {node.Node.Configuration.Options.NodeName}: {(int)response.StatusCode}");
        }
    }

    private static async Task<NodeView[]> Views(TestCluster cluster)
    {
        var views = new List<NodeView>();
        foreach (var node in cluster.Running)
        {
            var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
            var members = (await node.Admin.GetFromJsonAsync<ClusterOverview>("/admin/cluster"))!.Members;
            views.Add(new NodeView(
                status!.RoutingTable?.Version ?? -1,
                status.HealthVerdictVersion,
                string.Join(", ", members!.Select(m => $"{m.Address} {m.Status}").Order())));
        }

        return [.. views];
    }

    private sealed record NodeView(long TableVersion, long VerdictVersion, string Members);
}
