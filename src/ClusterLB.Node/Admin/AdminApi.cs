using Akka.Actor;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Node.Caching;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.RateLimiting;
using ClusterLB.Node.Retries;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>Endpoints of the admin listener: health, status and the routing table.</summary>
public static class AdminApi
{
    /// <summary>Maps the admin endpoints, reading node state from <paramref name="node"/>'s services.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        var options = node.GetRequiredService<NodeOptions>();
        var state = node.GetRequiredService<NodeState>();
        var journal = node.GetRequiredService<Journal>();
        var overrides = node.GetRequiredService<AffinityOverrides>();
        var caches = node.GetRequiredService<ResponseCaches>();
        var proxyState = node.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>();
        async Task<NodeStatus> Status()
        {
            var system = node.GetRequiredService<ActorSystem>();
            var journalStatus = await JournalStatus.ReadAsync(system, journal.Description);
            return NodeStatus.Of(options.EffectiveNodeName, system, state, overrides, options.Affinity.MaxOverrides, journalStatus, caches)
                with { RateLimiting = node.GetService<ClusterRateLimits>()?.Status, Retries = node.GetService<RetryPolicies>()?.Status, Destinations = DestinationView.Read(proxyState) };
        }

        admin.MapGet("/healthz/live", () => Results.Text("live\n"));
        admin.MapGet("/healthz/ready", async () =>
        {
            var status = await Status();
            return status.NotReadyBecause is { } reason
                ? Results.Text($"not ready: {reason}\n", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text($"ready: routing table v{status.RoutingTable!.Version}\n");
        });
        admin.MapGet("/admin/status", async () => Results.Json(await Status()));
        admin.MapGet("/admin/cluster", async () => Results.Json(
            new ClusterOverview(await ClusterView.ReadAsync(node.GetRequiredService<ActorSystem>()), DestinationView.Read(proxyState))));
        RoutingTableApi.Map(admin, node);
        DestinationAdminApi.Map(admin, node);
        HistoryApi.Map(admin, node);
        ExportImportApi.Map(admin, node);
        CacheApi.Map(admin, node);
        ObserveApi.Map(admin, node);
    }
}
