using Akka.TestKit.Xunit2;
using ClusterLB.Cluster.Routing;
using ClusterLB.Cluster.Serialization;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Tests.Routing;

public sealed class SerializerTests() : TestKit(WriterSpec.Config(WriterSpec.TempDatabase()))
{
    private static readonly RoutingTable Table = RoutingTable.From(
        [new RouteDefinition { RouteId = "api", ClusterId = "backends", Match = new RouteMatchDefinition { Path = "/api/{**rest}", Hosts = ["a.example"] }, Timeout = TimeSpan.FromSeconds(3) }],
        [new ClusterDefinition { ClusterId = "backends", LoadBalancingPolicy = "RoundRobin", Destinations = new Dictionary<string, DestinationDefinition> { ["one"] = new() { Address = "http://10.0.0.1/" } } }]) with { Version = 4 };

    public static TheoryData<object> Messages() =>
    [
        Table,
        RoutingTableImported.Of(Table, "configuration", DateTimeOffset.UnixEpoch),
        new ImportRoutingTable(Table, "admin"),
        new RoutingTableChangeAccepted(5),
        new RoutingTableChangeRejected(RejectionReason.Invalid, [new ValidationError("Routes:api:ClusterId", "is required")]),
        GetRoutingTable.Instance,
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
}
