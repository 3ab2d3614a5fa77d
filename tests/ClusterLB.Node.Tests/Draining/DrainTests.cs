using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.Core.Routing;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.MultiNode;
using Xunit.Abstractions;

namespace ClusterLB.Node.Tests.Draining;

[Collection(MultiNodeCollection.Name)]
public sealed class DrainTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Drain_on_one_node_stops_new_requests_on_every_node_within_a_second_while_requests_in_flight_finish()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta", "gamma");
        await using var cluster = await TestCluster.StartAsync(3, new RouteSettings()
            .Route("a", "/a", "one")
            .Cluster("one", ("alpha", backends[0].Url), ("beta", backends[1].Url), ("gamma", backends[2].Url)));

        // Slow requests on every node, so that some are in flight on beta when it is drained.
        var inFlight = cluster.Running
            .SelectMany(node => Enumerable.Range(0, 6).Select(_ => node.Proxy.GetAsync("/a/slow?delay=1500")))
            .ToList();
        await Eventually.True(() => Task.FromResult(backends[1].RequestsInFlight > 0), TimeSpan.FromSeconds(5), "a request in flight on beta");

        var drained = Stopwatch.StartNew();
        var version = await Command(cluster[0], HttpMethod.Post, "/admin/clusters/one/destinations/beta/drain");
        await cluster.WaitForVersionAsync(version);
        output.WriteLine($"every node runs the drain {drained.ElapsedMilliseconds} ms after it was accepted");
        Assert.True(drained.Elapsed < TimeSpan.FromSeconds(1), $"every node obeys within 1 s, took {drained.ElapsedMilliseconds} ms");

        foreach (var node in cluster.Running)
        {
            var served = await BackendsOf(node.Proxy, "/a/x", 30);
            Assert.DoesNotContain("beta", served);
            Assert.Contains("alpha", served);
            Assert.Contains("gamma", served);
        }

        var answers = await Task.WhenAll(inFlight);
        var inFlightOnBeta = answers.Count(a => a.Headers.GetValues(EchoServer.BackendHeader).Single() == "beta");
        Assert.True(inFlightOnBeta > 0, "some requests were in flight on beta");
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));

        foreach (var node in cluster.Running)
        {
            var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
            Assert.Equal(DestinationAdminState.Draining, status!.Destinations.Single(d => d.Destination == "beta").AdminState);
            var overview = await node.Admin.GetFromJsonAsync<ClusterOverview>("/admin/cluster");
            Assert.Equal(DestinationAdminState.Draining, overview!.Destinations.Single(d => d.Destination == "beta").AdminState);
            Assert.Equal(DestinationAdminState.Active, overview.Destinations.Single(d => d.Destination == "alpha").AdminState);
        }

        version = await Command(cluster[2], HttpMethod.Post, "/admin/clusters/one/destinations/beta/enable");
        await cluster.WaitForVersionAsync(version);
        foreach (var node in cluster.Running)
        {
            Assert.Contains("beta", await BackendsOf(node.Proxy, "/a/x", 30));
        }
    }

    [Fact]
    public async Task Pinned_sessions_stay_on_a_draining_destination_until_the_drain_timeout_then_move_and_maintenance_moves_them_at_once()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta", "gamma");
        await using var cluster = await TestCluster.StartAsync(2, new RouteSettings()
            .Route("keyed", "/keyed", "one")
            .Cluster("one", ("alpha", backends[0].Url), ("beta", backends[1].Url), ("gamma", backends[2].Url))
            .KeyedHeaderAffinity("one")
            .With("ReverseProxy:Clusters:one:Metadata:ClusterLB.DrainTimeout", "00:00:02"));
        var keysOnBeta = await KeysServedBy(cluster[0].Proxy, "beta", 5);
        var keysOnGamma = await KeysServedBy(cluster[0].Proxy, "gamma", 5);

        var drainedAt = Stopwatch.StartNew(); // started before the drain is accepted: never less than the time since
        var version = await Command(cluster[1], HttpMethod.Post, "/admin/clusters/one/destinations/beta/drain");
        await cluster.WaitForVersionAsync(version);

        foreach (var node in cluster.Running)
        {
            foreach (var key in keysOnBeta)
            {
                Assert.Equal("beta", await KeyedRequests.BackendFor(node.Proxy, key));
            }

            Assert.DoesNotContain("beta", await BackendsOf(node.Proxy, "/keyed/", 20)); // no key: a new session
        }

        Assert.True(drainedAt.Elapsed < TimeSpan.FromSeconds(2), "the pinned sessions were checked within the drain timeout");
        await Eventually.True(
            async () =>
            {
                foreach (var node in cluster.Running)
                {
                    foreach (var key in keysOnBeta)
                    {
                        if (await KeyedRequests.BackendFor(node.Proxy, key) == "beta")
                        {
                            return false;
                        }
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(10),
            "pinned sessions moved off beta after the drain timeout");
        Assert.True(drainedAt.Elapsed >= TimeSpan.FromSeconds(2), "sessions moved only once the drain timeout had passed");
        foreach (var key in keysOnBeta)
        {
            Assert.Equal(await KeyedRequests.BackendFor(cluster[0].Proxy, key), await KeyedRequests.BackendFor(cluster[1].Proxy, key));
        }

        version = await Command(cluster[0], HttpMethod.Post, "/admin/clusters/one/destinations/gamma/maintenance");
        await cluster.WaitForVersionAsync(version);
        foreach (var node in cluster.Running)
        {
            foreach (var key in keysOnGamma)
            {
                var backend = await KeyedRequests.BackendFor(node.Proxy, key);
                Assert.True(backend == "alpha", $"key {key} went to {backend}: with beta drained and gamma in maintenance only alpha takes sessions");
            }
        }
    }

    [Fact]
    public async Task Admin_commands_are_routing_table_changes_refused_for_unknown_destinations_and_kept_across_restarts()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        var settings = new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url), ("beta", backends[1].Url));
        string dataDirectory;
        await using (var node = await TestNode.StartAsync(settings))
        {
            var unknownDestination = await node.Admin.PostAsJsonAsync("/admin/clusters/one/destinations/ghost/drain", new { });
            Assert.Equal(HttpStatusCode.NotFound, unknownDestination.StatusCode);
            Assert.Contains("Clusters:one:Destinations:ghost", await unknownDestination.Content.ReadAsStringAsync());
            var unknownCluster = await node.Admin.PostAsJsonAsync("/admin/clusters/nowhere/destinations/alpha/maintenance", new { });
            Assert.Equal(HttpStatusCode.NotFound, unknownCluster.StatusCode);
            var noWeight = await node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/alpha/weight", new { });
            Assert.Equal(HttpStatusCode.BadRequest, noWeight.StatusCode);
            Assert.Contains("weight", await noWeight.Content.ReadAsStringAsync());
            var zeroWeight = await node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/alpha/weight", new { weight = 0 });
            Assert.Equal(HttpStatusCode.BadRequest, zeroWeight.StatusCode);
            Assert.Contains("Clusters:one:Destinations:alpha:Metadata:ClusterLB.Weight", await zeroWeight.Content.ReadAsStringAsync());
            var negativeWeight = await node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/alpha/weight", new { weight = -2 });
            Assert.Equal(HttpStatusCode.BadRequest, negativeWeight.StatusCode);
            var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
            Assert.Equal(1, status!.RoutingTable!.Version);

            await Command(node, HttpMethod.Post, "/admin/clusters/one/destinations/beta/maintenance");
            var version = await Command(node, HttpMethod.Put, "/admin/clusters/one/destinations/alpha/weight", new { weight = 3 });
            Assert.Equal(3, version);
            // Accepted means persisted and published; the node applies it a moment later.
            await Eventually.True(
                async () => (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.RoutingTable!.Version >= version,
                TimeSpan.FromSeconds(10),
                "the node to run the new version");
            Assert.DoesNotContain("beta", await BackendsOf(node.Proxy, "/a/x", 10));

            var table = await node.Admin.GetFromJsonAsync<JsonElement>("/admin/routing-table");
            var destinations = table.GetProperty("clusters").GetProperty("one").GetProperty("destinations");
            Assert.Equal("Maintenance", destinations.GetProperty("beta").GetProperty("metadata").GetProperty(DestinationAdmin.StateKey).GetString());
            Assert.Equal("3", destinations.GetProperty("alpha").GetProperty("metadata").GetProperty(DestinationAdmin.WeightKey).GetString());
            dataDirectory = node.DataDirectory;
        }

        await using var restarted = await TestNode.StartAsync(settings, dataDirectory);
        var after = (await restarted.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!;
        Assert.Equal(3, after.RoutingTable!.Version);
        Assert.Equal(DestinationAdminState.Maintenance, after.Destinations.Single(d => d.Destination == "beta").AdminState);
        Assert.DoesNotContain("beta", await BackendsOf(restarted.Proxy, "/a/x", 10));
    }

    private static async Task<long> Command(TestNode node, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body ?? new { }) };
        using var response = await node.Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("version").GetInt64();
    }

    private static async Task<List<string>> BackendsOf(HttpClient proxy, string path, int requests)
    {
        var served = new List<string>();
        for (var i = 0; i < requests; i++)
        {
            using var response = await proxy.GetAsync(path);
            served.Add(response.Headers.TryGetValues(EchoServer.BackendHeader, out var names) ? names.Single() : $"error {(int)response.StatusCode}");
        }

        return served;
    }

    private static async Task<List<string>> KeysServedBy(HttpClient proxy, string backend, int count)
    {
        var keys = new List<string>();
        for (var i = 0; keys.Count < count && i < 1000; i++)
        {
            if (await KeyedRequests.BackendFor(proxy, $"user-{i}") == backend)
            {
                keys.Add($"user-{i}");
            }
        }

        Assert.Equal(count, keys.Count);
        return keys;
    }
}
