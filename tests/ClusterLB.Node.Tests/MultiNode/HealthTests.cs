using System.Net.Http.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class HealthTests
{
    private static RouteSettings ProbedCluster(Backends backends) => new RouteSettings()
        .Route("app", "/app", "app")
        .Cluster("app", backends.Servers.Select(b => (b.Name, b.Url)).ToArray())
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Enabled", "true")
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Interval", "00:00:00.200")
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Timeout", "00:00:01")
        .With("ReverseProxy:Clusters:app:HealthCheck:Active:Path", "/health")
        .With("ReverseProxy:Clusters:app:HealthCheck:Passive:Enabled", "true")
        .With("ClusterLB:Health:Rise", "2")
        .With("ClusterLB:Health:Fall", "2");

    [Fact]
    public async Task Each_destination_is_probed_by_one_member_so_probes_equal_destinations_not_nodes_times_destinations()
    {
        // Twelve destinations: the chance that hashing gives all of them to one of three members is negligible.
        await using var backends = await Backends.StartAsync(Enumerable.Range(1, 12).Select(i => $"b{i}").ToArray());
        await using var cluster = await TestCluster.StartAsync(3, ProbedCluster(backends));
        // Count from here: while the cluster formed, ownership moved as members came up.
        foreach (var backend in backends.Servers)
        {
            backend.HealthChecks.Clear();
        }

        await Eventually.True(
            () => Task.FromResult(backends.Servers.All(b => b.HealthChecks.Values.Sum() >= 10)),
            TimeSpan.FromSeconds(30),
            "ten probes of every backend (" + string.Join("; ", backends.Servers.Select(b => $"{b.Name}: {string.Join(",", b.HealthChecks.Select(p => $"{p.Key}={p.Value}"))}")) + ")");

        foreach (var backend in backends.Servers)
        {
            var probers = backend.HealthChecks.Keys.ToList();
            Assert.True(probers.Count == 1, $"{backend.Name} was probed by {string.Join(", ", probers)}");
        }

        var owners = backends.Servers.Select(b => b.HealthChecks.Keys.Single()).Distinct().ToList();
        Assert.True(owners.Count > 1, $"probing is spread over the members, but only {string.Join(", ", owners)} probes");
    }

    [Fact]
    public async Task Every_node_takes_a_failing_destination_out_and_puts_it_back_on_the_same_verdict()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        await using var cluster = await TestCluster.StartAsync(3, ProbedCluster(backends));

        backends[1].FailingHealth = true;
        await Eventually.True(() => AllNodesAvoid(cluster, "b2"), TimeSpan.FromSeconds(20), "every node avoids b2");
        var versions = await VerdictVersions(cluster);
        Assert.Single(versions.Distinct());

        backends[1].FailingHealth = false;
        await Eventually.True(async () => !await AllNodesAvoid(cluster, "b2"), TimeSpan.FromSeconds(20), "b2 back in rotation");
    }

    [Fact]
    public async Task Failing_real_traffic_takes_a_destination_out_on_every_node()
    {
        await using var backends = await Backends.StartAsync("b1", "b2");
        // b2's destination address points at its /status/500 endpoint: it answers 500 to every
        // request of real traffic (its /health is fine, and nothing probes here); b1 answers 200.
        var settings = new RouteSettings()
            .Route("app", "/app", "app")
            .Cluster("app", ("b1", backends[0].Url), ("b2", backends[1].Url.TrimEnd('/') + "/status/500"))
            .With("ReverseProxy:Clusters:app:HealthCheck:Passive:Enabled", "true")
            .With("ReverseProxy:Clusters:app:HealthCheck:Passive:ReactivationPeriod", "00:01:00");
        await using var cluster = await TestCluster.StartAsync(3, settings);

        await Eventually.True(
            async () =>
            {
                foreach (var node in cluster.Running)
                {
                    using var response = await node.Proxy.GetAsync("/app/");
                }

                return await AllNodesAvoid(cluster, "b2");
            },
            TimeSpan.FromSeconds(30),
            "every node avoids b2 after its 500s");
    }

    [Fact]
    public async Task Node_that_joins_starts_with_the_clusters_verdicts()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        await using var cluster = await TestCluster.StartAsync(3, ProbedCluster(backends));
        backends[2].FailingHealth = true;
        await Eventually.True(() => AllNodesAvoid(cluster, "b3"), TimeSpan.FromSeconds(20), "every node avoids b3");

        await cluster.StopNodeAsync(2);
        await cluster.StartNodeAsync(2);

        // Ready means the verdicts are applied: the very first requests already avoid b3.
        var joined = cluster[2];
        for (var i = 0; i < 12; i++)
        {
            using var response = await joined.Proxy.GetAsync("/app/");
            Assert.NotEqual("b3", response.Headers.GetValues(EchoServer.BackendHeader).Single());
        }
    }

    private static async Task<bool> AllNodesAvoid(TestCluster cluster, string backend, string path = "/app/")
    {
        foreach (var node in cluster.Running)
        {
            for (var i = 0; i < 6; i++)
            {
                using var response = await node.Proxy.GetAsync(path);
                if (response.Headers.TryGetValues(EchoServer.BackendHeader, out var names) && names.Single() == backend)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static async Task<List<long>> VerdictVersions(TestCluster cluster)
    {
        var versions = new List<long>();
        foreach (var node in cluster.Running)
        {
            versions.Add((await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.HealthVerdictVersion);
        }

        return versions;
    }
}
