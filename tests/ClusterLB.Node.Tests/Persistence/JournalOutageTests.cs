using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterLB.Node.Tests.Persistence;

/// <summary>
/// The writer survives its journal: a PostgreSQL server of the test's own is stopped and started
/// under a running node, or comes up after the node. Nothing is restarted but the database.
/// </summary>
public sealed class JournalOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Change_while_PostgreSQL_is_down_is_refused_with_the_cause_and_the_next_one_after_it_returns_succeeds()
    {
        using var postgres = ThrowawayPostgreSql.Create();
        await using var backends = await Backends.StartAsync("alpha", "beta");
        await using var node = await TestNode.StartAsync(OnPostgreSql(postgres, backends));
        await JournalStateAsync(node, "available");
        // The plugins' breakers must not keep refusing long after the database is back.
        var config = node.Node.Services.GetRequiredService<Akka.Actor.ActorSystem>().Settings.Config;
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("akka.persistence.journal.sql.circuit-breaker.reset-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(2), config.GetTimeSpan("akka.persistence.snapshot-store.sql.circuit-breaker.reset-timeout"));

        postgres.Stop();

        var refused = await node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        Assert.StartsWith("journal unavailable: ", error);
        Assert.DoesNotContain("Password", error, StringComparison.OrdinalIgnoreCase);
        output.WriteLine(error);

        var down = await JournalStateAsync(node, "unavailable");
        Assert.False(string.IsNullOrEmpty(down.Error));
        Assert.NotNull(down.Since);
        var stopwatch = Stopwatch.StartNew();
        var again = await node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
        Assert.StartsWith("journal unavailable: ", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"refused in {stopwatch.Elapsed}, not at once");
        Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/a/")).StatusCode);
        Assert.True((await node.Admin.GetAsync("/healthz/ready")).IsSuccessStatusCode, "the node stays ready: it serves the table it has");

        postgres.Start();
        stopwatch.Restart();
        await Eventually.True(
            async () => (await node.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url })).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30),
            "a change accepted after PostgreSQL returned");
        output.WriteLine($"change accepted {stopwatch.Elapsed.TotalSeconds:0.0}s after PostgreSQL started again");

        var up = await JournalStateAsync(node, "available");
        Assert.Null(up.Error);
        await Eventually.True(async () => await AnsweredByAsync(node) == "beta", TimeSpan.FromSeconds(10), "traffic to the destination added after the outage");
    }

    [Fact]
    public async Task Node_started_while_PostgreSQL_is_down_becomes_ready_with_the_configured_table_once_it_comes_up()
    {
        using var postgres = ThrowawayPostgreSql.Create(start: false);
        await using var backends = await Backends.StartAsync("alpha");
        var stopwatch = Stopwatch.StartNew();
        await using var node = await TestNode.StartAsync(OnPostgreSql(postgres, backends), waitUntilReady: false);

        var down = await JournalStateAsync(node, "unavailable");
        output.WriteLine($"journal unavailable after {stopwatch.Elapsed.TotalSeconds:0.0}s: {down.Error}");
        var ready = await node.Admin.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("no routing table applied yet", await ready.Content.ReadAsStringAsync());

        // The scenario, not a synchronisation: the database comes up 20 s after the node.
        await Task.Delay(TimeSpan.FromSeconds(20) - stopwatch.Elapsed);
        postgres.Start();
        var started = stopwatch.Elapsed;

        await Eventually.True(async () => (await node.Admin.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "readiness after PostgreSQL came up");
        output.WriteLine($"ready {(stopwatch.Elapsed - started).TotalSeconds:0.0}s after PostgreSQL started ({stopwatch.Elapsed.TotalSeconds:0.0}s after the node)");
        Assert.Equal("alpha", await AnsweredByAsync(node));
        var status = (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!;
        Assert.Equal(1, status.RoutingTable!.Version);
        await JournalStateAsync(node, "available");
    }

    [Fact]
    public async Task Node_that_does_not_host_the_writer_refuses_changes_and_shows_the_outage_in_its_status()
    {
        using var postgres = ThrowawayPostgreSql.Create();
        await using var backends = await Backends.StartAsync("alpha", "beta");
        await using var cluster = await TestCluster.StartAsync(2, OnPostgreSql(postgres, backends));
        var other = cluster[1];
        Assert.False((await other.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.HostsRoutingTableWriter);
        await JournalStateAsync(other, "available");

        postgres.Stop();

        await Eventually.True(
            async () =>
            {
                using var refused = await other.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url });
                return refused.StatusCode == HttpStatusCode.ServiceUnavailable
                    && (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!.StartsWith("journal unavailable: ", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(20),
            "a change through the other node refused with the journal's cause");
        var down = await JournalStateAsync(other, "unavailable");
        Assert.False(string.IsNullOrEmpty(down.Error));
        Assert.Equal("alpha", await AnsweredByAsync(other));

        postgres.Start();

        await Eventually.True(
            async () => (await other.Admin.PutAsJsonAsync("/admin/clusters/one/destinations/beta", new { address = backends[1].Url })).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30),
            "a change through the other node accepted after PostgreSQL returned");
        await JournalStateAsync(other, "available");
    }

    private static RouteSettings OnPostgreSql(ThrowawayPostgreSql postgres, Backends backends) => new RouteSettings()
        .Route("a", "/a", "one")
        .Cluster("one", ("alpha", backends[0].Url))
        .With("ClusterLB:Persistence:Provider", "PostgreSql")
        .With("ClusterLB:Persistence:ConnectionString", postgres.ConnectionString);

    private static Task<JournalStatus> JournalStateAsync(TestNode node, string state) =>
        Eventually.Get(
            async () => (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.Journal is { } journal && journal.State == state ? journal : null,
            TimeSpan.FromSeconds(30),
            $"journal state {state} in /admin/status");

    private static async Task<string?> AnsweredByAsync(TestNode node)
    {
        using var response = await node.Proxy.GetAsync("/a/");
        return response.IsSuccessStatusCode ? response.Headers.GetValues(ClusterLB.EchoBackend.EchoServer.BackendHeader).Single() : null;
    }
}
