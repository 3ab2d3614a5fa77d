using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Routing;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.MultiNode;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Tests.Security;

/// <summary>Client traffic, hostile or merely impatient, must not poison the cluster's shared state.</summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ClientPoisoningTests
{
    private const int MidResponseAborts = 200;
    private const int UnsentBodies = 40;
    private const int MaxOverrides = 20;
    private const int ReturningSessions = 10;

    [Fact]
    public async Task Clients_that_abort_mid_response_or_do_not_send_their_body_leave_the_destination_in_while_real_faults_take_it_out()
    {
        await using var backends = await Backends.StartAsync("victim-b1", "witness-b2");
        var settings = new RouteSettings()
            .Route("victim", "/victim", "victim")
            .Cluster("victim", ("b1", backends[0].Url))
            .With("ReverseProxy:Clusters:victim:HealthCheck:Passive:Enabled", "true")
            .With("ReverseProxy:Clusters:victim:HealthCheck:Passive:ReactivationPeriod", "00:01:00")
            .Route("witness", "/witness", "witness")
            .Cluster("witness", ("b2", backends[1].Url))
            .With("ReverseProxy:Clusters:witness:HealthCheck:Passive:Enabled", "true")
            .With("ReverseProxy:Clusters:witness:HealthCheck:Passive:ReactivationPeriod", "00:01:00");
        await using var node = await TestNode.StartAsync(settings);
        var proxy = new Uri(node.Node.ProxyUrls[0]);
        var state = node.Node.Services.GetRequiredService<NodeState>();
        var before = state.Requests;

        // Half cancel through HttpClient once the headers and first bytes are in (the backend holds the
        // rest of its answer behind a gate that never opens); half reset a raw connection while a large
        // answer streams. Then clients announce a body and close before sending it.
        await Parallel.ForEachAsync(Enumerable.Range(0, MidResponseAborts), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            if (i % 2 == 0)
            {
                await CancelAfterFirstBytesAsync(proxy, "/victim/stream?chunks=2&chunkSize=512&gate=never-opens");
            }
            else
            {
                await ResetAfterFirstBytesAsync(proxy, "/victim/stream?chunks=4000&chunkSize=16384");
            }
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, UnsentBodies), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await CloseBeforeBodyAsync(proxy, "/victim/upload"));

        // Every one of them has been through the proxy (and counted, or not, for passive health).
        var expected = before + MidResponseAborts + UnsentBodies;
        await Eventually.True(() => Task.FromResult(state.Requests >= expected), TimeSpan.FromSeconds(20), "every aborted request finished in the proxy");

        // Control: real faults of another destination, reported after the aborts, take it out. Once it
        // is out, the reports that held the aborts have been judged too.
        await ProxyHealth.FailUntilOut(node, "/witness/status/500", "witness", "b2");

        Assert.Equal(DestinationHealth.Unknown, ProxyHealth.Of(node, "victim", "b1"));
        using (var served = await node.Proxy.GetAsync("/victim/"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        // The same destination's own faults do take it out: the test can fail.
        await ProxyHealth.FailUntilOut(node, "/victim/status/503", "victim", "b1");
    }

    [Fact]
    public async Task A_route_timeout_on_a_request_without_a_body_still_takes_the_destination_out()
    {
        // The route's timeout cancels the request the way a client's abort does; without a body to
        // trickle, only the backend can have made it fire.
        await using var backends = await Backends.StartAsync("slow-b1");
        var settings = new RouteSettings()
            .Route("slow", "/slow", "slow", timeout: "00:00:00.200")
            .Cluster("slow", ("b1", backends[0].Url))
            .With("ReverseProxy:Clusters:slow:HealthCheck:Passive:Enabled", "true")
            .With("ReverseProxy:Clusters:slow:HealthCheck:Passive:ReactivationPeriod", "00:01:00");
        await using var node = await TestNode.StartAsync(settings);

        await Eventually.True(
            async () =>
            {
                // 504 while the destination is in; 503 (no destination) once the verdict took it out.
                var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
                {
                    using var response = await node.Proxy.GetAsync("/slow/?delay=5000");
                    return response.StatusCode;
                }));
                Assert.All(answers, status => Assert.True(
                    status is HttpStatusCode.GatewayTimeout or HttpStatusCode.ServiceUnavailable, $"answered {(int)status}"));
                return ProxyHealth.Of(node, "slow", "b1") == DestinationHealth.Unhealthy;
            },
            TimeSpan.FromSeconds(20),
            "the slow destination out after its route timeouts");
    }

    [Fact]
    public async Task Returning_sessions_keep_their_destination_on_every_node_through_a_flood_of_fresh_keys()
    {
        await using var backends = await Backends.StartAsync("b1", "b2");
        await using var cluster = await TestCluster.StartAsync(2, KeyedRoutes(backends).With("ClusterLB:Affinity:MaxOverrides", $"{MaxOverrides}"));
        var returning = KeysHomedOn("b2", "session", ReturningSessions);
        var flood = KeysHomedOn("b2", "invented", 10 * MaxOverrides);
        var entry = cluster[0];

        backends[1].FailingHealth = true;
        var probe = KeysHomedOn("b2", "probe", 1).Single();
        await Eventually.True(async () => await Keyed(entry, probe) == "b1", TimeSpan.FromSeconds(20), "b2 out");
        foreach (var key in returning)
        {
            Assert.Equal("b1", await Keyed(entry, key));
        }

        // Batches of fresh keys larger than the room the returning sessions leave, each followed by
        // every returning session: evicting in the order of writing, or by recency alone, would
        // drop the returning sessions' overrides.
        foreach (var batch in flood.Chunk(MaxOverrides + 10))
        {
            foreach (var key in batch)
            {
                Assert.Equal("b1", await Keyed(entry, key));
            }

            foreach (var key in returning)
            {
                Assert.Equal("b1", await Keyed(entry, key));
            }
        }

        await Eventually.True(
            async () =>
            {
                foreach (var node in cluster.Running)
                {
                    if ((await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Affinity is not { Overrides: <= MaxOverrides })
                    {
                        return false;
                    }
                }

                return (await entry.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Affinity.Evictions >= flood.Count - MaxOverrides;
            },
            TimeSpan.FromSeconds(15),
            "the flood written, evicted, and every node's table within its cap");

        // A fresh key homed on b2 for every attempt: one sent while b2 is still out would be moved.
        backends[1].FailingHealth = false;
        var fresh = new Queue<string>(KeysHomedOn("b2", "probe-after", 1000));
        foreach (var node in cluster.Running)
        {
            await Eventually.True(async () => await Keyed(node, fresh.Dequeue()) == "b2", TimeSpan.FromSeconds(20), "b2 back in");
        }

        // The flood went: its keys are home again. The returning sessions stay where they moved, on
        // both nodes (the other node learns the overrides by replication).
        var floodAtHome = 0;
        foreach (var key in flood)
        {
            floodAtHome += await Keyed(entry, key) == "b2" ? 1 : 0;
        }

        Assert.True(floodAtHome >= flood.Count - MaxOverrides, $"only {floodAtHome} of {flood.Count} invented keys were evicted");
        foreach (var node in cluster.Running)
        {
            await Eventually.True(
                async () =>
                {
                    foreach (var key in returning)
                    {
                        if (await Keyed(node, key) != "b1")
                        {
                            return false;
                        }
                    }

                    return true;
                },
                TimeSpan.FromSeconds(10),
                $"every returning session on b1 through {node.Node.AdminUrl}");
        }
    }

    [Fact]
    public async Task Over_long_keys_are_routed_but_never_create_an_override()
    {
        await using var backends = await Backends.StartAsync("b1", "b2");
        await using var node = await TestNode.StartAsync(KeyedRoutes(backends).With("ClusterLB:Affinity:MaxKeyLength", "64"));
        var longKeys = KeysHomedOn("b2", new string('k', 60) + "-long", 20);
        var shortKey = KeysHomedOn("b2", "short", 1).Single();
        Assert.All(longKeys, key => Assert.True(Encoding.UTF8.GetByteCount(key) > 64));

        backends[1].FailingHealth = true;
        await Eventually.True(async () => await Keyed(node, longKeys[0]) == "b1", TimeSpan.FromSeconds(20), "b2 out");
        foreach (var key in longKeys)
        {
            Assert.Equal("b1", await Keyed(node, key));
        }

        // The proxy's own copy takes a new override at once, before any replication.
        Assert.Equal(0, (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Affinity.Overrides);
        Assert.Equal("b1", await Keyed(node, shortKey));
        Assert.Equal(1, (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Affinity.Overrides);

        // Without an override, a long key goes home when its home recovers; the short one stays.
        backends[1].FailingHealth = false;
        await Eventually.True(async () => await Keyed(node, longKeys[0]) == "b2", TimeSpan.FromSeconds(20), "b2 back in");
        Assert.Equal("b1", await Keyed(node, shortKey));
    }

    private static RouteSettings KeyedRoutes(Backends backends) => new RouteSettings()
        .Route("keyed", "/keyed", "keyed")
        .Cluster("keyed", backends.Servers.Select(b => (b.Name, b.Url)).ToArray())
        .KeyedHeaderAffinity("keyed")
        .FastActiveHealth("keyed")
        .With("ClusterLB:Affinity:Shards", "1");

    // Keys whose rendezvous home among b1 and b2 is <paramref name="home"/>, as every node computes it.
    private static List<string> KeysHomedOn(string home, string prefix, int count)
    {
        ulong[] destinations = [StableHash.Of("b1"), StableHash.Of("b2")];
        var index = home == "b1" ? 0 : 1;
        return Enumerable.Range(0, int.MaxValue)
            .Select(i => $"{prefix}-{i}")
            .Where(key => KeyedAffinity.Pick(StableHash.Of(key), destinations, default) == index)
            .Take(count)
            .ToList();
    }

    private static Task<string> Keyed(TestNode node, string key) => KeyedRequests.BackendFor(node.Proxy, key);

    private static async Task CancelAfterFirstBytesAsync(Uri proxy, string path)
    {
        using var client = new HttpClient { BaseAddress = proxy };
        using var cancel = new CancellationTokenSource();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        var buffer = new byte[256];
        Assert.True(await body.ReadAsync(buffer, cancel.Token) > 0);
        await cancel.CancelAsync();
    }

    private static async Task ResetAfterFirstBytesAsync(Uri proxy, string path)
    {
        using var socket = await ConnectAsync(proxy);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {proxy.Authority}\r\n\r\n"));
        var buffer = new byte[4096];
        var received = 0;
        while (received < 2048)
        {
            var read = await socket.ReceiveAsync(buffer);
            Assert.True(read > 0, "the answer started");
            received += read;
        }

        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, 12));
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    // Closes its sending side after a tenth of the announced body; a reset instead could make the
    // kernel drop what was sent before the proxy read it, and then nothing would be tested.
    private static async Task CloseBeforeBodyAsync(Uri proxy, string path)
    {
        using var socket = await ConnectAsync(proxy);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {proxy.Authority}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n" + new string('x', 100_000)));
        socket.Shutdown(SocketShutdown.Send);
        // Kestrel answers the truncated body (400) or closes; either way the request has ended.
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Closed with a reset: ended all the same.
        }

        socket.Close();
    }

    private static async Task<Socket> ConnectAsync(Uri proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
        return socket;
    }
}
