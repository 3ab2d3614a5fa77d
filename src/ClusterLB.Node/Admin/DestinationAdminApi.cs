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
            RoutingTableApi.Send(new SetDestinationAdmin(clusterId, destinationId, DestinationAdminState.Draining, null), Writer(), context))
            .TableChange<AdminOpenApi.NoBody>("Drains a destination: no new sessions; in-flight requests and pinned sessions finish");
        admin.MapPost($"{Destination}/maintenance", (string clusterId, string destinationId, HttpContext context) =>
            RoutingTableApi.Send(new SetDestinationAdmin(clusterId, destinationId, DestinationAdminState.Maintenance, null), Writer(), context))
            .TableChange<AdminOpenApi.NoBody>("Takes a destination out of service at once");
        admin.MapPost($"{Destination}/enable", (string clusterId, string destinationId, HttpContext context) =>
            RoutingTableApi.Send(new SetDestinationAdmin(clusterId, destinationId, DestinationAdminState.Active, null), Writer(), context))
            .TableChange<AdminOpenApi.NoBody>("Puts a destination back in service");
        admin.MapPut($"{Destination}/weight", (string clusterId, string destinationId, HttpRequest request) =>
            RoutingTableApi.WithBody<WeightChange>(request, change => change.Weight is { } weight
                ? new SetDestinationAdmin(clusterId, destinationId, null, weight)
                : null, Writer(), "weight", "is required: a positive number, e.g. {\"weight\": 2}"))
            .TableChange<WeightChange>("Sets a destination's weight");
    }

    /// <summary>The body of a weight change.</summary>
    internal sealed record WeightChange(double? Weight);
}
