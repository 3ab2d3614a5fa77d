using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Tests.Routing;

/// <summary>Small routing tables for tests.</summary>
internal static class Tables
{
    public static RouteDefinition Route(string id, string cluster, string path = "/{**rest}") =>
        new() { RouteId = id, ClusterId = cluster, Match = new RouteMatchDefinition { Path = path } };

    public static ClusterDefinition Cluster(string id, params (string Id, string Address)[] destinations) => new()
    {
        ClusterId = id,
        Destinations = destinations.ToDictionary(d => d.Id, d => new DestinationDefinition { Address = d.Address }),
    };

    public static RoutingTable Valid() => RoutingTable.From(
        [Route("api", "backends")],
        [Cluster("backends", ("one", "http://10.0.0.1:8080/"), ("two", "https://10.0.0.2/"))]);
}
