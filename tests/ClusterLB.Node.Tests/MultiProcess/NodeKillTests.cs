using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiProcess;

/// <summary>kill -9 of a real node process under load, with the user's local cluster script.</summary>
[Collection(MultiProcessCollection.Name)]
public sealed class NodeKillTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 30).Select(i => $"user-{i}").ToArray();

    [Fact]
    public async Task Killing_a_node_under_load_loses_nothing_and_the_survivors_serve_every_session_without_errors()
    {
        using var cluster = new LocalCluster();
        cluster.Run("up", "3");
        await LocalCluster.WaitReadyAsync(1, 2, 3);
        Assert.True((await LocalCluster.StatusAsync(1))!.HostsRoutingTableWriter, "node 1 hosts the writer, so the kill also moves it");

        await Eventually.True(async () => (await Backends(node: 2)).Count == 3, TimeSpan.FromSeconds(30), "all three backends healthy");

        // Give the cluster overrides to keep: backend-2 fails, its sessions move, it comes back.
        var homes = await Destinations(node: 2);
        cluster.Run("backend-kill", "2");
        var expected = await Eventually.Get(
            async () =>
            {
                var seen = await Task.WhenAll(Destinations(1), Destinations(2), Destinations(3));
                return seen.All(s => s.SequenceEqual(seen[0])) && seen[0].Values.All(d => d is "backend-1" or "backend-3") ? seen[0] : null;
            },
            TimeSpan.FromSeconds(30),
            "every node moving backend-2's sessions the same way");
        var moved = Keys.Count(k => homes[k] == "backend-2");
        Assert.True(moved > 0, "some sessions lived on backend-2");
        cluster.Run("backend-start", "2");
        await Eventually.True(async () => (await Backends(node: 2)).Contains("backend-2"), TimeSpan.FromSeconds(60), "backend-2 back in rotation");
        var overrides = Array.Empty<int>();
        try
        {
            await Eventually.True(
                async () =>
                {
                    overrides = (await Task.WhenAll(LocalCluster.StatusAsync(1), LocalCluster.StatusAsync(2), LocalCluster.StatusAsync(3))).Select(s => s!.Affinity.Overrides).ToArray();
                    return overrides.All(o => o >= moved);
                },
                TimeSpan.FromSeconds(15),
                $"at least {moved} overrides on every node");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}: overrides per node {string.Join(", ", overrides)}; homes {string.Join(",", homes.Values)}; moved to {string.Join(",", expected.Values)}", e);
        }
        var before = (await LocalCluster.StatusAsync(2))!;

        // Load on the survivors-to-be, through the kill and the writer handover.
        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => Load([2, 3], expected, stop.Token));
        await Eventually.True(() => Task.FromResult(load.IsCompleted || Volatile.Read(ref _sent) > 200), TimeSpan.FromSeconds(30), "load running");
        cluster.Run("kill", "1");

        var version = await Eventually.Get(
            async () =>
            {
                using var admin = LocalCluster.Admin(2);
                var put = await admin.PutAsJsonAsync("/admin/routes/added", new { clusterId = "app", match = new { path = "/added/{**rest}" } });
                return put.IsSuccessStatusCode ? (long?)(await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64() : null;
            },
            TimeSpan.FromSeconds(60),
            "a change accepted after the kill");
        await Eventually.True(async () => (await LocalCluster.StatusAsync(3))!.RoutingTable!.Version >= version, TimeSpan.FromSeconds(10), "the change on node 3");
        using (var proxy3 = LocalCluster.Proxy(3))
        {
            Assert.True((await proxy3.GetAsync("/added/")).IsSuccessStatusCode);
        }

        stop.Cancel();
        var (sent, failed, misrouted) = await load;
        Assert.True(sent > 200, $"load sent {sent}");
        Assert.True(failed == 0, $"{failed} of {sent} requests to survivors failed");
        Assert.True(misrouted == 0, $"{misrouted} of {sent} sessions left their destination");

        foreach (var survivor in new[] { 2, 3 })
        {
            var status = (await LocalCluster.StatusAsync(survivor))!;
            Assert.True(status.Affinity.Overrides >= before.Affinity.Overrides, $"node {survivor} lost overrides");
            Assert.True(status.HealthVerdictVersion >= before.HealthVerdictVersion, $"node {survivor} lost verdicts");
            Assert.Equal(expected, await Destinations(survivor));
        }

        cluster.Run("start", "1");
        await LocalCluster.WaitReadyAsync(1);
        await Eventually.True(
            async () =>
            {
                var rejoined = (await LocalCluster.StatusAsync(1))!;
                return rejoined.RoutingTable!.Version >= version && rejoined.Affinity.Overrides >= before.Affinity.Overrides;
            },
            TimeSpan.FromSeconds(30),
            "node 1 converged after rejoining");
        Assert.Equal(expected, await Destinations(1));
    }

    private static int _sent;

    private static async Task<(int Sent, int Failed, int Misrouted)> Load(int[] nodes, IReadOnlyDictionary<string, string> expected, CancellationToken stop)
    {
        var clients = nodes.Select(LocalCluster.Proxy).ToArray();
        int failed = 0, misrouted = 0;
        _sent = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var client in clients)
            {
                foreach (var key in Keys)
                {
                    Interlocked.Increment(ref _sent);
                    try
                    {
                        using var response = await KeyedRequests.SendAsync(client, key);
                        if (!response.IsSuccessStatusCode)
                        {
                            failed++;
                        }
                        else if (response.Headers.GetValues(EchoServer.BackendHeader).Single() != expected[key])
                        {
                            misrouted++;
                        }
                    }
                    catch (HttpRequestException)
                    {
                        failed++;
                    }
                }
            }
        }

        foreach (var client in clients)
        {
            client.Dispose();
        }

        return (_sent, failed, misrouted);
    }

    private static async Task<Dictionary<string, string>> Destinations(int node)
    {
        using var client = LocalCluster.Proxy(node);
        var destinations = new Dictionary<string, string>();
        foreach (var key in Keys)
        {
            destinations[key] = await KeyedRequests.BackendFor(client, key);
        }

        return destinations;
    }

    private static async Task<HashSet<string>> Backends(int node)
    {
        using var client = LocalCluster.Proxy(node);
        var seen = new HashSet<string>();
        for (var i = 0; i < 9; i++)
        {
            using var response = await client.GetAsync("/");
            if (response.Headers.TryGetValues(EchoServer.BackendHeader, out var names))
            {
                seen.Add(names.Single());
            }
        }

        return seen;
    }
}
