using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ClusterLB.Cli.Output;

namespace ClusterLB.Cli.Commands;

/// <summary>
/// <c>top</c>: the cluster's load and each destination's health and traffic, from <c>/admin/observe</c>
/// (any node answers for the whole cluster). <c>--json</c> prints the document as the node sent it.
/// </summary>
internal static class TopCommand
{
    public static Command Build(Action<Command, Func<CommandContext, Task>> action)
    {
        var command = new Command("top", "Every node's load and every destination's health and traffic, cluster-wide, over the last seconds.");
        action(command, async context =>
        {
            if (await context.ReadForViewAsync("/admin/observe") is not { } observed)
            {
                return;
            }

            context.Line($"{Tables.Text(observed["node"])} at {Tables.Text(observed["at"])}, rates over the last {Tables.Text(observed["windowSeconds"])} s");
            var nodes = Tables.Of("node", "status", "req/s", "errors", "p50 ms", "p99 ms", "cpu %", "memory MB", "table", "verdicts", "lag s", "report age s");
            foreach (var n in observed["nodes"]?.AsArray() ?? [])
            {
                var status = Tables.Text(n?["status"]) + (n?["reachable"]?.GetValue<bool>() == false ? " (unreachable)" : "")
                    + (n?["isLeader"]?.GetValue<bool>() == true ? " leader" : "") + (n?["hostsRoutingTableWriter"]?.GetValue<bool>() == true ? " writer" : "");
                nodes.Row(Tables.Text(n?["node"]) ?? Tables.Text(n?["address"]), status, Number(n?["requestsPerSecond"]), Percent(n?["errorRate"]),
                    Number(n?["p50Ms"]), Number(n?["p99Ms"]), Number(n?["cpuPercent"]), Number(n?["memoryMb"]),
                    Tables.Text(n?["tableVersion"]), Tables.Text(n?["verdictVersion"]), Number(n?["replicationLagSeconds"]), Number(n?["reportAgeSeconds"]));
            }

            context.Console.Write(nodes);
            var destinations = Tables.Of("cluster", "destination", "health", "admin state", "probe owner", "last probe", "req/s", "errors", "p50 ms", "p99 ms", "by node");
            foreach (var d in observed["destinations"]?.AsArray() ?? [])
            {
                var lastProbe = d?["recentProbes"]?.AsArray().LastOrDefault() is { } probe
                    ? probe["ok"]?.GetValue<bool>() == true ? $"ok {Tables.Text(probe["status"])}" : Tables.Text(probe["error"]) ?? $"failed {Tables.Text(probe["status"])}"
                    : null;
                var byNode = string.Join(", ", d?["perNode"]?.AsArray().Select(p => $"{Tables.Text(p?["node"])} {Number(p?["requestsPerSecond"])}") ?? []);
                destinations.Row(Tables.Text(d?["cluster"]), Tables.Text(d?["destination"]), Tables.Text(d?["health"]), Tables.Text(d?["adminState"]),
                    Tables.Text(d?["probeOwner"]), lastProbe, Number(d?["requestsPerSecond"]), Percent(d?["errorRate"]),
                    Number(d?["p50Ms"]), Number(d?["p99Ms"]), byNode);
            }

            context.Console.Write(destinations);
        });
        return command;
    }

    private static string? Number(JsonNode? value) =>
        value is null ? null : value.GetValue<double>().ToString("0.##", CultureInfo.InvariantCulture);

    private static string? Percent(JsonNode? value) =>
        value is null ? null : (value.GetValue<double>() * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
