using Akka.Actor;
using Akka.DistributedData;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Membership;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Observability;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy;

namespace ClusterLB.Node.Admin;

/// <summary>
/// The observability API on the admin listener (GET, so a read token suffices): <c>/admin/observe</c>
/// for the whole cluster, answered by any node from its local copy of the members' reports, and
/// <c>/admin/observe/affinity/{cluster}?key=K</c> for where a key goes. Neither waits on another node.
/// </summary>
public static class ObserveApi
{
    private static readonly TimeSpan LocalReadTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Maps the observability endpoints.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        var options = node.GetRequiredService<NodeOptions>();
        var state = node.GetRequiredService<NodeState>();
        var overrides = node.GetRequiredService<AffinityOverrides>();
        var traffic = node.GetRequiredService<TrafficRecorder>();
        var proxy = node.GetRequiredService<IProxyStateLookup>();
        var affinitySettings = node.GetRequiredService<AffinitySettings>();

        admin.MapGet("/admin/observe", async () =>
        {
            var system = node.GetRequiredService<ActorSystem>();
            var cluster = Akka.Cluster.Cluster.Get(system).State;
            var writerHost = ClusterView.WriterHost(cluster);
            var members = cluster.Members
                .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
                .Select(m => new ClusterMember(
                    m.Address.ToString(), m.Status.ToString(), !cluster.Unreachable.Contains(m), cluster.Leader == m.Address, writerHost == m.Address))
                .ToList();
            var table = state.AppliedTable;
            return Results.Json(ObserveView.Build(
                DateTimeOffset.UtcNow,
                options.EffectiveNodeName,
                traffic.WindowSeconds,
                members,
                await ReportsAsync(system),
                BalancerMembers.ReachableIn(cluster),
                DestinationView.Read(proxy),
                state.VerdictOf,
                Affinity(table, overrides)));
        });

        admin.MapGet("/admin/observe/affinity/{cluster}", (string cluster, string? key) =>
        {
            if (state.AppliedTable?.Clusters.GetValueOrDefault(cluster) is not { } definition)
            {
                return RoutingTableApi.Rejected(StatusCodes.Status404NotFound, [new ValidationError("cluster", $"cluster '{cluster}' does not exist")]);
            }

            if (string.IsNullOrEmpty(key))
            {
                return RoutingTableApi.Rejected(StatusCodes.Status400BadRequest, [new ValidationError("key", "the query parameter 'key' is required: the key as requests carry it")]);
            }

            if (KeyPlacement.Of(definition, key) is not { } placement)
            {
                return RoutingTableApi.Rejected(
                    StatusCodes.Status400BadRequest, [new ValidationError("cluster", $"cluster '{cluster}' does not route by key (no keyed affinity, not ConsistentHash)")]);
            }

            var destinations = DestinationView.Read(proxy).Where(d => d.Cluster == cluster).ToDictionary(d => d.Destination, StringComparer.Ordinal);
            var available = placement.Ids
                .Select(id => destinations.TryGetValue(id, out var d) && placement.IsAvailable(d.Health == "Unhealthy", d.AdminState))
                .ToArray();
            var overridden = placement.HonoursOverrides && overrides.TryGet(cluster, placement.KeyHash, DateTimeOffset.UtcNow, out var moved)
                ? Array.IndexOf(placement.Ids, moved.DestinationId)
                : -1;
            if (affinitySettings.ReturnHomeOnRecovery && overridden >= 0 && placement.Home >= 0 && available[placement.Home])
            {
                overridden = -1;
            }

            var decision = placement.Decide(available, overridden);
            var counts = Affinity(state.AppliedTable, overrides).FirstOrDefault(a => a.Cluster == cluster);
            return Results.Json(new AffinityKeyView(
                cluster,
                key,
                decision.Index >= 0 ? placement.Ids[decision.Index] : null,
                decision.Index < 0 ? "none"
                    : decision.Index == overridden ? "override"
                    : decision.Index == placement.Home ? "hash"
                    : "moved",
                counts?.Overrides ?? 0,
                counts?.Evictions ?? 0)
            {
                Home = placement.Home >= 0 ? placement.Ids[placement.Home] : null,
                Hashing = placement.Hashing,
            });
        });
    }

    private static async Task<IReadOnlyDictionary<string, MemberReport>> ReportsAsync(ActorSystem system)
    {
        try
        {
            var response = await DistributedData.Get(system).Replicator
                .Ask<IGetResponse>(Dsl.Get(MemberReports.Key, ReadLocal.Instance), LocalReadTimeout);
            return response.IsSuccessful ? response.Get(MemberReports.Key).Entries : new Dictionary<string, MemberReport>();
        }
        catch (AskTimeoutException)
        {
            return new Dictionary<string, MemberReport>();
        }
    }

    // Clusters with session affinity, with the overrides this node holds for each (the same table on every node).
    private static IReadOnlyList<ObservedAffinity> Affinity(RoutingTable? table, AffinityOverrides overrides)
    {
        if (table is null)
        {
            return [];
        }

        var counts = overrides.CountByCluster();
        return table.Clusters.Values
            .Where(c => c.SessionAffinity is { Enabled: not false })
            .Select(c => new ObservedAffinity(c.ClusterId, counts.GetValueOrDefault(c.ClusterId), overrides.EvictionsOf(c.ClusterId)))
            .ToList();
    }
}

/// <summary>
/// Where a key goes in a cluster, as this node decides it now: <c>override</c> (a recorded move),
/// <c>hash</c> (its home), <c>moved</c> (its home is out: the next request records a move), <c>none</c>.
/// </summary>
public sealed record AffinityKeyView(string Cluster, string Key, string? Destination, string Source, int Overrides, long Evictions)
{
    /// <summary>The key's home among the configured destinations.</summary>
    public string? Home { get; init; }

    /// <summary>How the key is hashed.</summary>
    public string? Hashing { get; init; }
}
