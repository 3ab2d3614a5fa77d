using System.Collections.Concurrent;
using Akka.Actor;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Tests.Routing;

public sealed class RoutingTableWriterTests : TestKit
{
    private readonly string _database;
    private readonly RecordingConsumer _consumer = new();

    public RoutingTableWriterTests() : this(WriterSpec.TempDatabase())
    {
    }

    private RoutingTableWriterTests(string database) : base(WriterSpec.Config(database), "writer-spec")
    {
        _database = database;
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == Akka.Cluster.MemberStatus.Up, TimeSpan.FromSeconds(20));
        Sys.ActorOf(RoutingTableReplica.Props(_consumer), "replica");
    }

    [Fact]
    public void Empty_journal_is_seeded_from_configuration_and_the_table_is_replicated()
    {
        var writer = Sys.ActorOf(RoutingTableWriter.Props(Seed(Table("http://10.0.0.1/"))));

        var table = AskTable(writer);

        Assert.Equal(1, table.Version);
        Assert.True(table.HasSameContentAs(Table("http://10.0.0.1/")));
        AwaitAssert(() => Assert.Equal(1, _consumer.Last?.Version), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Restarted_writer_recovers_the_persisted_table_not_the_new_seed()
    {
        var first = Sys.ActorOf(RoutingTableWriter.Props(Seed(Table("http://10.0.0.1/"))));
        Assert.Equal(1, AskTable(first).Version);
        Stop(first);

        var second = Sys.ActorOf(RoutingTableWriter.Props(Seed(Table("http://10.0.0.2/"))));

        var recovered = AskTable(second);
        Assert.Equal(1, recovered.Version);
        Assert.True(recovered.HasSameContentAs(Table("http://10.0.0.1/")));
    }

    [Fact]
    public void Invalid_import_is_rejected_naming_the_field_and_nothing_is_persisted()
    {
        var writer = Sys.ActorOf(RoutingTableWriter.Props(Seed(Table("http://10.0.0.1/"))));
        Assert.Equal(1, AskTable(writer).Version);

        var rejected = writer.Ask<RoutingTableChangeRejected>(new ImportRoutingTable(Table("not a url"), "test"), RemainingOrDefault).Result;

        Assert.Equal("Clusters:backends:Destinations:one:Address", Assert.Single(rejected.Errors).Field);
        Stop(writer);
        var recovered = AskTable(Sys.ActorOf(RoutingTableWriter.Props(Seed(RoutingTable.Empty))));
        Assert.Equal(1, recovered.Version);
        Assert.True(recovered.HasSameContentAs(Table("http://10.0.0.1/")));
    }

    [Fact]
    public void Valid_import_is_persisted_as_the_next_version_and_reaches_the_replica()
    {
        var writer = Sys.ActorOf(RoutingTableWriter.Props(Seed(Table("http://10.0.0.1/"))));
        Assert.Equal(1, AskTable(writer).Version);

        var accepted = writer.Ask<RoutingTableChangeAccepted>(new ImportRoutingTable(Table("http://10.0.0.3/"), "test"), RemainingOrDefault).Result;

        Assert.Equal(2, accepted.Version);
        AwaitAssert(() => Assert.True(_consumer.Last is { Version: 2 } last && last.HasSameContentAs(Table("http://10.0.0.3/"))), TimeSpan.FromSeconds(10));
        // Distributed Data may coalesce v1 and v2 into one notification; the replica never goes back.
        Assert.Equal(_consumer.Versions.Order(), _consumer.Versions.Distinct());
    }

    [Fact]
    public void Writer_recovers_from_a_snapshot_plus_the_later_events_to_the_same_table_and_keeps_every_event()
    {
        var writer = Sys.ActorOf(RoutingTableWriter.Props(Seed(Table("http://10.0.0.1/")), snapshotEvery: 2));
        Assert.Equal(1, AskTable(writer).Version);
        for (var i = 2; i <= 5; i++)
        {
            var accepted = writer.Ask<RoutingTableChangeAccepted>(new ImportRoutingTable(Table($"http://10.0.0.{i}/"), "test"), RemainingOrDefault).Result;
            Assert.Equal(i, accepted.Version);
        }

        var written = AskTable(writer);
        AwaitAssert(() => Assert.Equal(2, Count("snapshot")), TimeSpan.FromSeconds(10));
        Stop(writer);

        var recovered = AskTable(Sys.ActorOf(RoutingTableWriter.Props(Seed(RoutingTable.Empty), snapshotEvery: 2)));

        Assert.Equal(5, recovered.Version);
        Assert.True(recovered.HasSameContentAs(written));
        Assert.True(recovered.HasSameContentAs(Table("http://10.0.0.5/")));
        Assert.Equal(5, Count("journal"));
    }

    [Fact]
    public void Replicated_table_is_stored_under_the_routing_table_key()
    {
        var writer = Sys.ActorOf(RoutingTableWriter.Props(Seed(Table("http://10.0.0.1/"))));
        Assert.Equal(1, AskTable(writer).Version);

        AwaitAssert(() =>
        {
            var response = DistributedData.Get(Sys).Replicator
                .Ask<IGetResponse>(Dsl.Get(RoutingTableReplication.Key, ReadLocal.Instance), TimeSpan.FromSeconds(3)).Result;
            Assert.True(response.IsSuccessful);
            Assert.Equal(1, response.Get(RoutingTableReplication.Key).Value.Version);
        }, TimeSpan.FromSeconds(10));
    }

    private long Count(string table)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_database}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE persistence_id = '{RoutingTableWriter.JournalId}'";
        return (long)command.ExecuteScalar()!;
    }

    private void Stop(IActorRef actor)
    {
        Watch(actor);
        actor.Tell(PoisonPill.Instance);
        ExpectTerminated(actor);
    }

    private RoutingTable AskTable(IActorRef writer) =>
        writer.Ask<RoutingTable>(GetRoutingTable.Instance, TimeSpan.FromSeconds(10)).Result;

    private static RoutingTableSeed Seed(RoutingTable table) => new(table, "test configuration");

    private static RoutingTable Table(string address) => RoutingTable.From(
        [new RouteDefinition { RouteId = "api", ClusterId = "backends", Match = new RouteMatchDefinition { Path = "/api/{**rest}" } }],
        [new ClusterDefinition { ClusterId = "backends", Destinations = new Dictionary<string, DestinationDefinition> { ["one"] = new() { Address = address } } }]);

    protected override void AfterAll()
    {
        base.AfterAll();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }

    private sealed class RecordingConsumer : IRoutingTableConsumer
    {
        private readonly ConcurrentQueue<RoutingTable> _tables = new();

        public RoutingTable? Last => _tables.LastOrDefault();

        public IReadOnlyList<long> Versions => _tables.Select(t => t.Version).ToList();

        public void Apply(RoutingTable table) => _tables.Enqueue(table);
    }
}
