using System.CommandLine;
using System.Text.Json.Nodes;
using ClusterLB.Cli.Output;

namespace ClusterLB.Cli.Commands;

/// <summary><c>status</c>, <c>members</c> and <c>health</c>: what the node and the cluster look like.</summary>
internal static class ReadCommands
{
    public static IEnumerable<Command> Build(Action<Command, Func<CommandContext, Task>> action)
    {
        var status = new Command("status", "The node: membership, readiness, routing table, journal.");
        action(status, async context =>
        {
            if (await context.ReadForViewAsync("/admin/status") is not { } s)
            {
                return;
            }

            var table = s["routingTable"];
            context.Console.Write(Tables.Fields(
            [
                ("node", Tables.Text(s["node"])),
                ("cluster", Tables.Text(s["clusterName"])),
                ("address", Tables.Text(s["address"])),
                ("member status", Tables.Text(s["memberStatus"])),
                ("roles", string.Join(", ", s["roles"]?.AsArray().Select(Tables.Text) ?? [])),
                ("leader", Tables.Text(s["isLeader"])),
                ("members", $"{Tables.Text(s["reachableMembers"])} of {Tables.Text(s["members"])} reachable"),
                ("routing-table writer here", Tables.Text(s["hostsRoutingTableWriter"])),
                ("routing table", table is null ? "none" : $"v{table["version"]}: {table["routes"]} routes, {table["clusters"]} clusters, from {Tables.Text(table["source"])}"),
                ("journal", $"{Tables.Text(s["journal"]?["state"])} ({Tables.Text(s["journal"]?["description"])})"),
                ("ready", s["ready"]?.GetValue<bool>() == true ? "yes" : $"no: {Tables.Text(s["notReadyBecause"])}"),
            ]));
        });

        var members = new Command("members", "The cluster's members as this node sees them.");
        action(members, async context =>
        {
            if (await context.ReadForViewAsync("/admin/cluster") is not { } view)
            {
                return;
            }

            var table = Tables.Of("address", "node", "status", "reachable", "leader", "writer", "table", "requests", "report age (s)");
            foreach (var m in view["members"]?.AsArray() ?? [])
            {
                table.Row(Tables.Text(m?["address"]), Tables.Text(m?["node"]), Tables.Text(m?["status"]), Tables.Text(m?["reachable"]),
                    Tables.Text(m?["isLeader"]), Tables.Text(m?["hostsRoutingTableWriter"]), Tables.Text(m?["tableVersion"]), Tables.Text(m?["requests"]), Tables.Text(m?["reportAgeSeconds"]));
            }

            context.Console.Write(table);
        });

        var health = new Command("health", "Every destination with its health and admin state, as this node routes to it.");
        action(health, async context =>
        {
            if (await context.ReadForViewAsync("/admin/cluster") is not { } view)
            {
                return;
            }

            context.Console.Write(DestinationTable(view["destinations"]?.AsArray() ?? []));
        });

        return [status, members, health];
    }

    /// <summary>Destinations as <c>/admin/cluster</c> shows them.</summary>
    public static Spectre.Console.Table DestinationTable(IEnumerable<JsonNode?> destinations)
    {
        var table = Tables.Of("cluster", "destination", "address", "health", "admin state", "since", "weight");
        foreach (var d in destinations)
        {
            table.Row(Tables.Text(d?["cluster"]), Tables.Text(d?["destination"]), Tables.Text(d?["address"]), Tables.Text(d?["health"]),
                Tables.Text(d?["adminState"]), Tables.Text(d?["adminStateSince"]), Tables.Text(d?["weight"]));
        }

        return table;
    }
}
