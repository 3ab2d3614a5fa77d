using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Tests.Routing;

public sealed class RoutingTableDecisionsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static readonly RoutingTable Table = RoutingTable.From(
        [new RouteDefinition { RouteId = "api", ClusterId = "backends", Match = new RouteMatchDefinition { Path = "/api/{**rest}" } }],
        [new ClusterDefinition { ClusterId = "backends", Destinations = new Dictionary<string, DestinationDefinition> { ["one"] = new() { Address = "http://10.0.0.1/" } } }]) with { Version = 7 };

    [Fact]
    public void Adding_a_destination_becomes_one_event_for_the_next_version()
    {
        var (change, rejection) = Decide(new SetDestination("backends", "two", new DestinationDefinition { Address = "http://10.0.0.2/" }, CreateOnly: true));

        Assert.Null(rejection);
        var next = Table.Apply(change!);
        Assert.Equal(8, next.Version);
        Assert.Equal(["one", "two"], next.Clusters["backends"].Destinations.Keys.Order());
    }

    [Fact]
    public void A_change_based_on_an_older_version_is_refused_with_the_current_one_and_the_current_version_applies_with_its_author()
    {
        var (stale, mismatch) = Decide(new RemoveRoute("api") { IfVersion = 6, By = "ops" });
        var (change, rejection) = Decide(new RemoveRoute("api") { IfVersion = 7, By = "ops" });

        Assert.Null(stale);
        Assert.Equal(RejectionReason.VersionMismatch, mismatch!.Reason);
        Assert.Equal(7, mismatch.Version);
        Assert.Equal("If-Match", mismatch.Errors.Single().Field);
        Assert.Null(rejection);
        Assert.Equal(new RouteRemoved("api", Now, "ops"), change);
    }

    [Fact]
    public void Removing_a_cluster_a_route_uses_is_refused_naming_the_route()
    {
        var (change, rejection) = Decide(new RemoveCluster("backends"));

        Assert.Null(change);
        Assert.Equal(RejectionReason.Invalid, rejection!.Reason);
        Assert.Equal("Routes:api:ClusterId", Assert.Single(rejection.Errors).Field);
    }

    [Theory]
    [MemberData(nameof(Missing))]
    public void Changes_to_what_does_not_exist_are_not_found(IRoutingTableCommand command, string field)
    {
        var (_, rejection) = Decide(command);

        Assert.Equal(RejectionReason.NotFound, rejection!.Reason);
        Assert.Equal(field, Assert.Single(rejection.Errors).Field);
    }

    public static TheoryData<IRoutingTableCommand, string> Missing() => new()
    {
        { new RemoveRoute("ghost"), "Routes:ghost" },
        { new RemoveCluster("ghost"), "Clusters:ghost" },
        { new RemoveDestination("backends", "ghost"), "Clusters:backends:Destinations:ghost" },
        { new SetDestination("ghost", "one", new DestinationDefinition { Address = "http://10.0.0.1/" }, CreateOnly: false), "Clusters:ghost" },
    };

    [Fact]
    public void Creating_what_exists_is_a_conflict_but_replacing_it_is_not()
    {
        var route = Table.Routes["api"] with { Order = 5 };

        Assert.Equal(RejectionReason.Conflict, Decide(new SetRoute(route, CreateOnly: true)).Rejection!.Reason);
        Assert.Null(Decide(new SetRoute(route, CreateOnly: false)).Rejection);
    }

    private static (IRoutingTableEvent? Event, RoutingTableChangeRejected? Rejection) Decide(IRoutingTableCommand command) =>
        RoutingTableDecisions.Decide(Table, command, Now, CoreRoutingTableValidator.Instance);
}
