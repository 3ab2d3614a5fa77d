using System.Net;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Persistence;

/// <summary>The routing table is seeded once from configuration; after that the persisted table is the truth.</summary>
public sealed class RoutingTablePersistenceTests
{
    [Fact]
    public async Task Persisted_table_wins_over_a_changed_file_section_and_the_node_says_how_to_import_it()
    {
        await using var backends = await Backends.StartAsync("alpha", "beta");
        var dataDirectory = TempDirectory.Create("clusterlb-persist");
        var first = new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url));
        await using (var node = await TestNode.StartAsync(first, dataDirectory))
        {
            Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/a/")).StatusCode);
        }

        Assert.True(File.Exists(Path.Combine(dataDirectory, Journal.SqliteFileName)), "the journal lives in the data directory");

        var changed = new RouteSettings().Route("b", "/b", "two").Cluster("two", ("beta", backends[1].Url));
        var logs = new CapturedLogs();
        await using (var node = await TestNode.StartAsync(changed, dataDirectory, logs))
        {
            Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/a/")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await node.Proxy.GetAsync("/b/")).StatusCode);
            Assert.Contains("routing table v1", await node.Admin.GetStringAsync("/healthz/ready"));
            var line = await Eventually.Get(
                () => Task.FromResult(logs.Lines.FirstOrDefault(l => l.Contains("differs from the cluster's routing table"))),
                TimeSpan.FromSeconds(10),
                "the log line about the differing section");
            Assert.Contains("ClusterLB:ImportReverseProxyOnStart=true", line);
        }

        await using (var node = await TestNode.StartAsync(changed.With("ClusterLB:ImportReverseProxyOnStart", "true"), dataDirectory))
        {
            await Eventually.True(async () => (await node.Proxy.GetAsync("/b/")).IsSuccessStatusCode, TimeSpan.FromSeconds(10), "imported route /b/");
            Assert.Equal(HttpStatusCode.NotFound, (await node.Proxy.GetAsync("/a/")).StatusCode);
            Assert.Contains("routing table v2", await node.Admin.GetStringAsync("/healthz/ready"));
        }
    }

    [Fact]
    public async Task Restart_with_the_same_section_keeps_the_version_and_logs_no_difference()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var dataDirectory = TempDirectory.Create("clusterlb-persist");
        var settings = new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", backends[0].Url));
        await using (await TestNode.StartAsync(settings, dataDirectory))
        {
        }

        var logs = new CapturedLogs();
        await using var node = await TestNode.StartAsync(settings, dataDirectory, logs);

        Assert.Contains("routing table v1", await node.Admin.GetStringAsync("/healthz/ready"));
        Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/a/")).StatusCode);
        Assert.DoesNotContain(logs.Lines, l => l.Contains("differs from the cluster's routing table"));
    }
}
