using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Tests.Routing;

/// <summary>The writer under its supervisor, on a journal the test switches off and on.</summary>
public sealed class RoutingTableWriterSupervisorTests : TestKit
{
    private static readonly WriterBackoff Fast = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400), 0.2);

    public RoutingTableWriterSupervisorTests() : base(SwitchableJournal.Config, "supervisor-spec")
    {
        SwitchableJournal.Down = false;
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Change_that_fails_to_persist_is_answered_with_the_cause_and_later_changes_are_refused_at_once_until_the_journal_returns()
    {
        var supervisor = Start();
        Assert.Equal(1, Table(supervisor).Version);
        Assert.Equal(JournalAvailability.Available, State(supervisor).Availability);

        SwitchableJournal.Down = true;
        var failed = Change(supervisor, "http://10.0.0.2/");

        var rejected = Assert.IsType<RoutingTableChangeRejected>(failed);
        Assert.Equal(RejectionReason.JournalUnavailable, rejected.Reason);
        Assert.Contains(SwitchableJournal.Failure, Assert.Single(rejected.Errors).Message);
        AwaitAssert(() => Assert.Equal(JournalAvailability.Unavailable, State(supervisor).Availability), TimeSpan.FromSeconds(5));
        var since = State(supervisor).Since;
        var stopwatch = Stopwatch.StartNew();
        var refused = Assert.IsType<RoutingTableChangeRejected>(Change(supervisor, "http://10.0.0.3/"));
        Assert.Equal(RejectionReason.JournalUnavailable, refused.Reason);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"refused after {stopwatch.Elapsed}");
        Assert.Equal(since, State(supervisor).Since);

        SwitchableJournal.Down = false;

        AwaitAssert(() => Assert.Equal(JournalAvailability.Available, State(supervisor).Availability), TimeSpan.FromSeconds(10));
        Assert.Equal(new RoutingTableChangeAccepted(2), Change(supervisor, "http://10.0.0.4/"));
    }

    [Fact]
    public void Writer_that_cannot_recover_is_retried_with_backoff_and_seeds_the_table_once_the_journal_is_back()
    {
        SwitchableJournal.Down = true;
        var supervisor = Start();

        // Held while the first recovery runs, then refused with the cause: never left to time out.
        var refused = Assert.IsType<RoutingTableChangeRejected>(Change(supervisor, "http://10.0.0.2/"));
        Assert.Equal(RejectionReason.JournalUnavailable, refused.Reason);
        Assert.Contains(SwitchableJournal.Failure, State(supervisor).Error);

        SwitchableJournal.Down = false;

        AwaitAssert(() => Assert.Equal(JournalAvailability.Available, State(supervisor).Availability), TimeSpan.FromSeconds(10));
        var table = Table(supervisor);
        Assert.Equal(1, table.Version);
        Assert.True(table.HasSameContentAs(Tables.One("http://10.0.0.1/")));
    }

    private IActorRef Start() => Sys.ActorOf(RoutingTableWriterSupervisor.Props(
        supervisor => RoutingTableWriter.Props(new RoutingTableSeed(Tables.One("http://10.0.0.1/"), "test configuration"), supervisor: supervisor),
        Fast));

    private static object Change(IActorRef supervisor, string address) =>
        supervisor.Ask<object>(new ImportRoutingTable(Tables.One(address), "test"), TimeSpan.FromSeconds(5)).Result;

    private static RoutingTable Table(IActorRef supervisor) =>
        supervisor.Ask<RoutingTable>(GetRoutingTable.Instance, TimeSpan.FromSeconds(10)).Result;

    private static JournalState State(IActorRef supervisor) =>
        supervisor.Ask<JournalState>(GetJournalState.Instance, TimeSpan.FromSeconds(3)).Result;

    protected override void AfterAll()
    {
        SwitchableJournal.Down = false;
        base.AfterAll();
    }
}

/// <summary>Small routing tables for writer tests.</summary>
internal static class Tables
{
    public static RoutingTable One(string address) => RoutingTable.From(
        [new RouteDefinition { RouteId = "api", ClusterId = "backends", Match = new RouteMatchDefinition { Path = "/api/{**rest}" } }],
        [new ClusterDefinition { ClusterId = "backends", Destinations = new Dictionary<string, DestinationDefinition> { ["one"] = new() { Address = address } } }]);
}
