using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClusterLB.Cli.Output;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.LoadBalancing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cli.Commands;

/// <summary>
/// <c>key</c>: where a request key goes in a cluster with key-based affinity or ConsistentHash. The
/// client hashes the key as the nodes do (ClusterLB.Core), over the routing table the node serves, and
/// takes the destinations' health and admin state from <c>/admin/cluster</c>. Overrides of keys that
/// moved while their home was down are the cluster's state, not the table's, and are not considered.
/// </summary>
internal static class KeyCommand
{
    public const string OverridesNote = "overrides of keys moved off their home are not considered";

    public static Command Build(Action<Command, Func<CommandContext, Task>> action)
    {
        var cluster = new Argument<string>("cluster") { Description = "the cluster's id" };
        var key = new Argument<string>("key") { Description = "the key as the request carries it (header, cookie or query value, client IP)" };
        var command = new Command("key", $"Where a key goes in a keyed cluster ({OverridesNote}).") { cluster, key };
        action(command, async context =>
        {
            var clusterId = context.Value(cluster);
            var table = JsonSerializer.Deserialize<RoutingTable>((await context.GetAsync("/admin/routing-table")).Body, RoutingTableJson.Options)!;
            if (!table.Clusters.TryGetValue(clusterId, out var definition))
            {
                throw new CliFailure(ExitCodes.Refused, $"cluster '{clusterId}' does not exist");
            }

            var placement = Place(definition, context.Value(key));
            var states = (await context.GetAsync("/admin/cluster")).Json()["destinations"]?.AsArray()
                .Where(d => Tables.Text(d?["cluster"]) == clusterId)
                .ToDictionary(d => Tables.Text(d!["destination"])!, d => d!, StringComparer.Ordinal) ?? [];
            var available = placement.Ids.Select(id => states.TryGetValue(id, out var d) && IsAvailable(placement, d)).ToArray();
            var now = placement.Decide(available).Index;

            var result = new JsonObject
            {
                ["cluster"] = clusterId,
                ["key"] = context.Value(key),
                ["hashing"] = placement.Hashing,
                ["home"] = placement.Home >= 0 ? placement.Ids[placement.Home] : null,
                ["destination"] = now >= 0 ? placement.Ids[now] : null,
                ["note"] = OverridesNote,
            };
            if (context.Json)
            {
                context.Line(result.ToJsonString());
                return;
            }

            context.Console.Write(Tables.Fields(
            [
                ("cluster", clusterId),
                ("hashing", placement.Hashing),
                ("home", Tables.Text(result["home"])),
                ("goes to", now >= 0 ? placement.Ids[now] : "no destination is available"),
            ]));
            context.Line($"note: {OverridesNote}");
        });
        return command;
    }

    /// <summary>A key's home among a cluster's configured destinations (ordinal by id), as the node's policy finds it.</summary>
    internal static KeyPlacement Place(ClusterDefinition cluster, string key) =>
        KeyPlacement.Of(cluster, key)
        ?? throw new CliFailure(ExitCodes.Refused, $"cluster '{cluster.ClusterId}' does not route by key (no keyed affinity, not {LoadBalancingPolicyNames.ConsistentHash})");

    private static bool IsAvailable(KeyPlacement placement, JsonNode destination) =>
        placement.IsAvailable(
            Tables.Text(destination["health"]) == "Unhealthy",
            Enum.TryParse<DestinationAdminState>(Tables.Text(destination["adminState"]), out var state) ? state : DestinationAdminState.Active);
}
