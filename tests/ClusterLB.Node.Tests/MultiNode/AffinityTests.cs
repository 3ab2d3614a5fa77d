using System.Net;
using System.Net.Http.Json;
using ClusterLB.EchoBackend;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiNode;

[Collection(MultiNodeCollection.Name)]
public sealed class AffinityTests
{
    private static RouteSettings Routes(Backends backends)
    {
        var destinations = backends.Servers.Select(b => (b.Name, b.Url)).ToArray();
        return new RouteSettings()
            .Route("keyed", "/keyed", "keyed")
            .Cluster("keyed", destinations)
            .KeyedHeaderAffinity("keyed")
            .FastActiveHealth("keyed")
            .Route("sticky", "/sticky", "sticky")
            .Cluster("sticky", destinations)
            .With("ReverseProxy:Clusters:sticky:SessionAffinity:Enabled", "true")
            .With("ReverseProxy:Clusters:sticky:SessionAffinity:Policy", "HashCookie")
            .With("ReverseProxy:Clusters:sticky:SessionAffinity:AffinityKeyName", ".ClusterLB.Sticky");
    }

    [Fact]
    public async Task Keyed_session_goes_to_the_same_destination_from_every_node()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        await using var cluster = await TestCluster.StartAsync(3, Routes(backends));

        var homes = new Dictionary<string, string>();
        for (var k = 0; k < 30; k++)
        {
            var key = $"session-{k}";
            var seen = new HashSet<string>();
            foreach (var node in cluster.Running)
            {
                seen.Add(await Keyed(node, key));
            }

            homes[key] = Assert.Single(seen);
        }

        Assert.Equal(3, homes.Values.Distinct().Count());
    }

    [Fact]
    public async Task Keyed_session_moves_the_same_way_on_every_node_when_its_destination_fails_and_does_not_bounce_back()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        await using var cluster = await TestCluster.StartAsync(3, Routes(backends));
        var keysOnB2 = Enumerable.Range(0, 40).Select(i => $"user-{i}").Where(k => Keyed(cluster[0], k).Result == "b2").ToList();
        Assert.NotEmpty(keysOnB2);

        backends[1].FailingHealth = true;
        var movedTo = new Dictionary<string, string>();
        await Eventually.True(
            async () =>
            {
                foreach (var key in keysOnB2)
                {
                    var seen = new HashSet<string>();
                    foreach (var node in cluster.Running)
                    {
                        seen.Add(await Keyed(node, key));
                    }

                    if (seen.Count != 1 || seen.Single() == "b2")
                    {
                        return false;
                    }

                    movedTo[key] = seen.Single();
                }

                return true;
            },
            TimeSpan.FromSeconds(20),
            "every node moving b2's sessions to the same destination");

        await Eventually.True(
            async () =>
            {
                foreach (var node in cluster.Running)
                {
                    var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
                    if (status!.Affinity.Overrides < keysOnB2.Count)
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(10),
            "the overrides replicated to every node");

        backends[1].FailingHealth = false;
        await Eventually.True(
            async () => (await KeylessBackends(cluster[0])).Contains("b2"),
            TimeSpan.FromSeconds(20),
            "b2 healthy again");

        foreach (var key in keysOnB2)
        {
            foreach (var node in cluster.Running)
            {
                Assert.Equal(movedTo[key], await Keyed(node, key));
            }
        }
    }

    [Fact]
    public async Task Node_that_joins_after_sessions_moved_is_ready_only_once_it_holds_their_overrides()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        await using var cluster = await TestCluster.StartAsync(3, Routes(backends));
        var keysOnB2 = Enumerable.Range(0, 150).Select(i => $"joiner-{i}").Where(k => Keyed(cluster[0], k).Result == "b2").ToList();
        Assert.NotEmpty(keysOnB2);
        await cluster.StopNodeAsync(2);

        backends[1].FailingHealth = true;
        var movedTo = new Dictionary<string, string>();
        await Eventually.True(
            async () =>
            {
                foreach (var key in keysOnB2)
                {
                    movedTo[key] = await Keyed(cluster[0], key);
                }

                return !movedTo.ContainsValue("b2");
            },
            TimeSpan.FromSeconds(20),
            "b2's sessions moved");
        await Eventually.True(
            async () => (await cluster[1].Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Affinity.Overrides >= keysOnB2.Count,
            TimeSpan.FromSeconds(10),
            "the overrides replicated to the other member");
        backends[1].FailingHealth = false;
        await Eventually.True(async () => (await KeylessBackends(cluster[0])).Contains("b2"), TimeSpan.FromSeconds(20), "b2 healthy again");

        // b2 is healthy, so a node without the overrides would send these keys back to it.
        await cluster.StartNodeAsync(2);
        var joined = (await cluster[2].Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!;
        Assert.True(joined.Affinity.Loaded);
        Assert.True(joined.Affinity.Overrides >= keysOnB2.Count, $"the joined node holds {joined.Affinity.Overrides} overrides, expected at least {keysOnB2.Count}");
        foreach (var key in keysOnB2)
        {
            Assert.Equal(movedTo[key], await Keyed(cluster[2], key));
        }
    }

    [Fact]
    public async Task Cookie_affinity_set_by_one_node_is_honoured_by_the_others()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        await using var cluster = await TestCluster.StartAsync(3, Routes(backends));

        // A client of its own that handles cookies by hand, so each request carries exactly the affinity cookie.
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false });
        for (var session = 0; session < 6; session++)
        {
            using var first = await client.GetAsync(new Uri(cluster[session % 3].Proxy.BaseAddress!, "/sticky/"));
            var pinned = first.Headers.GetValues(EchoServer.BackendHeader).Single();
            var cookie = first.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

            foreach (var node in cluster.Running)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.Proxy.BaseAddress!, "/sticky/"));
                request.Headers.Add("Cookie", cookie);
                using var response = await client.SendAsync(request);
                Assert.Equal(pinned, response.Headers.GetValues(EchoServer.BackendHeader).Single());
            }
        }
    }

    [Fact]
    public async Task Cluster_view_on_any_node_lists_every_member_with_its_versions_and_counters()
    {
        await using var backends = await Backends.StartAsync("b1", "b2", "b3");
        await using var cluster = await TestCluster.StartAsync(3, Routes(backends));
        foreach (var node in cluster.Running)
        {
            Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/sticky/")).StatusCode);
        }

        var members = await Eventually.Get(
            async () =>
            {
                // Reports are published once a second, so one may still carry the verdicts from
                // before the latest probe result that the others already report.
                var view = (await cluster[1].Admin.GetFromJsonAsync<ClusterOverview>("/admin/cluster"))?.Members;
                return view is not null && view.All(m => m.Requests >= 1) && view.Select(m => m.VerdictVersion).Distinct().Count() == 1 ? view : null;
            },
            TimeSpan.FromSeconds(15),
            "every member's report with its request and the same verdict version");

        Assert.Equal(["node-1", "node-2", "node-3"], members.Select(m => m.Node).Order());
        Assert.All(members, m =>
        {
            Assert.Equal("Up", m.Status);
            Assert.True(m.Reachable);
            Assert.Equal(1, m.TableVersion);
        });
        Assert.Single(members, m => m.HostsRoutingTableWriter);
    }

    private static Task<string> Keyed(TestNode node, string key) => KeyedRequests.BackendFor(node.Proxy, key);

    private static async Task<HashSet<string>> KeylessBackends(TestNode node)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 12; i++)
        {
            using var response = await node.Proxy.GetAsync("/keyed/");
            seen.Add(response.Headers.GetValues(EchoServer.BackendHeader).Single());
        }

        return seen;
    }
}
