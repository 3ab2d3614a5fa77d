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
    private static readonly JsonSerializerOptions StrictJson = new(RoutingTableJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The purge request: both fields optional.</summary>
    public sealed record PurgeRequest(string? RouteId, string? PathPrefix);

    /// <summary>Maps the endpoint.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        var caches = node.GetRequiredService<ResponseCaches>();
        var state = node.GetRequiredService<NodeState>();
        admin.MapPost("/admin/cache/purge", async (HttpRequest request) =>
        {
            PurgeRequest? body;
            try
            {
                body = await JsonSerializer.DeserializeAsync<PurgeRequest>(request.Body, StrictJson, request.HttpContext.RequestAborted);
            }
            catch (JsonException e)
            {
                return Refused(e.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body", e.Message.Split(". Path:")[0]);
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

            return Results.Json(new { purgedHere, sentTo = others.Select(a => a.ToString()) }, statusCode: StatusCodes.Status202Accepted);
        });
    }

    private static IResult Refused(string field, string message) =>
        Results.Json(new { errors = new[] { new { field, message } } }, statusCode: StatusCodes.Status400BadRequest);
}
