using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Routing;
using ClusterLB.Cluster.Serialization;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Tests.Routing;

public sealed class SerializerTests() : TestKit(WriterSpec.Config(WriterSpec.TempDatabase()))
{
    private static readonly RoutingTable Table = RoutingTable.From(
        [new RouteDefinition { RouteId = "api", ClusterId = "backends", Match = new RouteMatchDefinition { Path = "/api/{**rest}", Hosts = ["a.example"] }, Timeout = TimeSpan.FromSeconds(3), MaxRequestBodySize = 1024 }],
        [new ClusterDefinition { ClusterId = "backends", LoadBalancingPolicy = "RoundRobin", Destinations = new Dictionary<string, DestinationDefinition> { ["one"] = new() { Address = "http://10.0.0.1/" } } }]) with { Version = 4 };

    public static TheoryData<object> Messages() =>
    [
        Table,
        RoutingTableImported.Of(Table, "configuration", DateTimeOffset.UnixEpoch),
        new ImportRoutingTable(Table, "admin"),
        new SetDestinationAdmin("backends", "one", DestinationAdminState.Draining, null) { By = "ops", IfVersion = 4 },
        new RouteRemoved("api", DateTimeOffset.UnixEpoch, "ops"),
        new GetRoutingTableHistory(null, 100),
        new RoutingTableHistory([new HistoryEntry(4, DateTimeOffset.UnixEpoch, "ops", "remove route api")], 4),
        new GetRoutingTableAt(3),
        new RoutingTableAtVersion(Table, 4),
        new RoutingTableChangeRejected(RejectionReason.VersionMismatch, [new ValidationError("If-Match", "moved on")], 5),
        new RoutingTableChangeAccepted(5),
        new RoutingTableChangeRejected(RejectionReason.Invalid, [new ValidationError("Routes:api:ClusterId", "is required")]),
        GetRoutingTable.Instance,
        new SetDestinationAdmin("backends", "one", DestinationAdminState.Draining, 2.5),
        new DestinationAdminSet("backends", "one", DestinationAdminState.Maintenance, null, DateTimeOffset.UnixEpoch),
        new RoutingTableChangeRejected(RejectionReason.JournalUnavailable, [new ValidationError("journal", "Failed to connect to 127.0.0.1:5432")]),
        new ClusterLB.Cluster.Persistence.JournalState(ClusterLB.Cluster.Persistence.JournalAvailability.Unavailable, "Failed to connect to 127.0.0.1:5432", DateTimeOffset.UnixEpoch),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_persisted_or_remote_message_uses_the_clusterlb_serializer_and_reads_back_the_same(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterLBSerializer>(serializer);

        var bytes = serializer.ToBinary(message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));

        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(message, message.GetType(), RoutingTableJson.Options),
            System.Text.Json.JsonSerializer.Serialize(back, back.GetType(), RoutingTableJson.Options));
        Assert.Equal(message.GetType(), back.GetType());
    }

    [Fact]
    public void Routing_table_persisted_before_routes_had_a_body_size_limit_reads_back_with_the_server_limit()
    {
        // A journal entry as written before RouteDefinition.MaxRequestBodySize existed.
        const string persisted = """{"version":4,"routes":{"api":{"routeId":"api","clusterId":"backends","match":{"path":"/api/{**rest}"},"timeout":"00:00:03"}},"clusters":{"backends":{"clusterId":"backends","loadBalancingPolicy":"RoundRobin","destinations":{"one":{"address":"http://10.0.0.1/"}}}}}""";
        var serializer = (ClusterLBSerializer)Sys.Serialization.FindSerializerFor(Table);

        var table = (RoutingTable)serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(persisted), "rt");

        Assert.Null(table.Routes["api"].MaxRequestBodySize);
        Assert.Equal(TimeSpan.FromSeconds(3), table.Routes["api"].Timeout);
        Assert.DoesNotContain("maxRequestBodySize", RoutingTableJson.Canonical(table), StringComparison.Ordinal);
    }

    [Fact]
    public void Events_persisted_before_authors_were_kept_read_back_without_one()
    {
        var serializer = (ClusterLBSerializer)Sys.Serialization.FindSerializerForType(typeof(RouteSet));
        var persistedBefore = """{"clusterId":"backends","destinationId":"one","state":"Draining","at":"2026-01-02T03:04:05+00:00"}"""u8.ToArray();

        var change = (IRoutingTableEvent)serializer.FromBinary(persistedBefore, "rt-destination-admin-set");

        Assert.Null(change.By);
        Assert.Equal(new HistoryEntry(7, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), null, "drain destination backends/one"), HistoryEntry.Of(7, change));
    }
}
