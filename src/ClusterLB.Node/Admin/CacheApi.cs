using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using ClusterLB.Cluster.Caching;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Caching;
using ClusterLB.Node.Routing;
using MemberStatus = Akka.Cluster.MemberStatus;

namespace ClusterLB.Node.Admin;

/// <summary>
/// <c>POST /admin/cache/purge</c>: removes cached answers on every node of the cluster, by route, by
/// path prefix, or all (<c>{}</c>). The node purges its own stores at once and sends the purge to
/// every other member; the answer says how many answers went here and which nodes it was sent to.
/// </summary>
public static class CacheApi
{
    /// <summary>The purge request: both fields optional.</summary>
    public sealed record PurgeRequest(string? RouteId, string? PathPrefix);

    /// <summary>The answer to a purge: answers removed on this node, and the nodes the purge was sent to.</summary>
    public sealed record PurgeAccepted(int PurgedHere, IReadOnlyList<string> SentTo);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        var caches = node.GetRequiredService<ResponseCaches>();
        var state = node.GetRequiredService<NodeState>();
        admin.MapPost("/admin/cache/purge", async (HttpRequest request) =>
        {
            var (body, unreadable) = await RoutingTableApi.ReadStrictAsync<PurgeRequest>(request);
            if (unreadable is not null)
            {
                return unreadable;
            }

            if (body is null)
            {
                return Refused("body", "a JSON object is required: {} purges everything");
            }

            if (body.PathPrefix is { } prefix && !prefix.StartsWith('/'))
            {
                return Refused("pathPrefix", $"'{prefix}' must start with '/'");
            }

            if (body.RouteId is { } route && state.AppliedTable?.Routes.ContainsKey(route) != true)
            {
                return Refused("routeId", $"route '{route}' does not exist");
            }

            var purge = new PurgeCache(body.RouteId, body.PathPrefix);
            var purgedHere = caches.Purge(purge);
            var system = node.GetRequiredService<ActorSystem>();
            var cluster = Akka.Cluster.Cluster.Get(system);
            var others = cluster.State.Members
                .Where(m => m.Address != cluster.SelfAddress && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
                .Select(m => m.Address)
                .ToList();
            foreach (var address in others)
            {
                system.ActorSelection(new RootActorPath(address) / "user" / PurgeCache.ActorName).Tell(purge);
            }

            return Results.Json(new PurgeAccepted(purgedHere, others.Select(a => a.ToString()).ToList()), statusCode: StatusCodes.Status202Accepted);
        })
            .WithSummary("Removes cached answers on every node: by route, by path prefix, or all ({})")
            .Accepts<PurgeRequest>("application/json")
            .Produces<PurgeAccepted>(StatusCodes.Status202Accepted)
            .Refuses(StatusCodes.Status400BadRequest);
    }

    private static IResult Refused(string field, string message) =>
        AdminProblems.Refused(StatusCodes.Status400BadRequest, [new ValidationError(field, message)]);
}
