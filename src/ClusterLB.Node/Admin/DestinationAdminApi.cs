using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>
/// An operator's commands on one destination, on any node: drain, maintenance, enable and weight.
/// Each is a routing-table change like any other (validated, persisted, replicated, in the history),
/// answered with the new version, or 404 for a destination that does not exist.
/// </summary>
public static class DestinationAdminApi
{
    private const string Destination = "/admin/clusters/{clusterId}/destinations/{destinationId}";

    /// <summary>Maps the commands.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        IActorRef Writer() => node.GetRequiredService<ActorRegistry>().Get<RoutingTableWriterProxy>();

        admin.MapPost($"{Destination}/drain", (string clusterId, string destinationId, HttpContext context) =>
            RoutingTableApi.Send(new SetDestinationAdmin(clusterId, destinationId, DestinationAdminState.Draining, null), Writer(), context));
        admin.MapPost($"{Destination}/maintenance", (string clusterId, string destinationId, HttpContext context) =>
            RoutingTableApi.Send(new SetDestinationAdmin(clusterId, destinationId, DestinationAdminState.Maintenance, null), Writer(), context));
        admin.MapPost($"{Destination}/enable", (string clusterId, string destinationId, HttpContext context) =>
            RoutingTableApi.Send(new SetDestinationAdmin(clusterId, destinationId, DestinationAdminState.Active, null), Writer(), context));
        admin.MapPut($"{Destination}/weight", (string clusterId, string destinationId, HttpRequest request) =>
            RoutingTableApi.WithBody<WeightChange>(request, change => change.Weight is { } weight
                ? new SetDestinationAdmin(clusterId, destinationId, null, weight)
                : null, Writer(), "weight", "is required: a positive number, e.g. {\"weight\": 2}"));
    }

    /// <summary>The body of a weight change.</summary>
    private sealed record WeightChange(double? Weight);
}
