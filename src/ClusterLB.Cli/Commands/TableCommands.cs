using System.CommandLine;
using System.Text.Json.Nodes;
using ClusterLB.Cli.Output;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cli.Commands;

/// <summary>
/// <c>routes</c>, <c>clusters</c> and <c>destinations</c>, each with <c>list</c>, <c>get</c>, <c>set</c>
/// and <c>remove</c>. Reads come from <c>/admin/routing-table</c>; changes go to the item's path, and
/// answer the routing table's new version.
/// </summary>
internal static class TableCommands
{
    public static IEnumerable<Command> Build(Action<Command, Func<CommandContext, Task>> action)
    {
        yield return Group(action, new Kind(
            "routes", "route", [],
            (table, _) => table["routes"] as JsonObject,
            ids => $"/admin/routes/{Uri.EscapeDataString(ids[0])}",
            ["route", "cluster", "path", "hosts", "order"],
            (id, r) => [id, Tables.Text(r["clusterId"]), Tables.Text(r["match"]?["path"]), Tables.Text(r["match"]?["hosts"]), Tables.Text(r["order"])]));
        yield return Group(action, new Kind(
            "clusters", "cluster", [],
            (table, _) => table["clusters"] as JsonObject,
            ids => $"/admin/clusters/{Uri.EscapeDataString(ids[0])}",
            ["cluster", "load balancing", "affinity", "destinations"],
            (id, c) => [id, Tables.Text(c["loadBalancingPolicy"]), Tables.Text(c["sessionAffinity"]?["policy"]), (c["destinations"] as JsonObject)?.Count.ToString()]));
        yield return Group(action, new Kind(
            "destinations", "destination", ["cluster"],
            (table, parents) => table["clusters"]?[parents[0]] is { } cluster
                ? cluster["destinations"] as JsonObject ?? []
                : throw new CliFailure(ExitCodes.Refused, $"cluster '{parents[0]}' does not exist"),
            ids => $"/admin/clusters/{Uri.EscapeDataString(ids[0])}/destinations/{Uri.EscapeDataString(ids[1])}",
            ["destination", "address", "admin state", "weight"],
            (id, d) => [id, Tables.Text(d["address"]), Tables.Text(d["metadata"]?[DestinationAdmin.StateKey]) ?? nameof(DestinationAdminState.Active), Tables.Text(d["metadata"]?[DestinationAdmin.WeightKey])]));
    }

    /// <summary>One kind of routing-table item: where it sits in the table, its path, how it lists.</summary>
    private sealed record Kind(
        string Plural,
        string Singular,
        string[] Parents,
        Func<JsonNode, string[], JsonObject?> Items,
        Func<string[], string> Path,
        string[] Columns,
        Func<string, JsonNode, string?[]> Row);

    private static Command Group(Action<Command, Func<CommandContext, Task>> action, Kind kind)
    {
        var group = new Command(kind.Plural, $"List, read, set and remove {kind.Plural}.");
        Argument<string>[] Parents() => kind.Parents.Select(p => new Argument<string>(p) { Description = $"the {p}'s id" }).ToArray();
        Argument<string>[] WithId() => [.. Parents(), new Argument<string>(kind.Singular) { Description = $"the {kind.Singular}'s id" }];
        string[] Values(CommandContext context, IEnumerable<Argument<string>> arguments) => arguments.Select(context.Value).ToArray();

        var listArguments = Parents();
        var list = new Command("list", $"The {kind.Plural} of the routing table.");
        listArguments.ToList().ForEach(list.Arguments.Add);
        action(list, async context =>
        {
            var answer = await context.GetAsync("/admin/routing-table");
            var items = kind.Items(answer.Json(), Values(context, listArguments)) ?? [];
            if (context.Json)
            {
                context.Line(items.ToJsonString());
                return;
            }

            var table = Tables.Of(kind.Columns);
            foreach (var (id, item) in items)
            {
                table.Row(kind.Row(id, item!));
            }

            context.Console.Write(table);
        });

        var getArguments = WithId();
        var get = new Command("get", $"One {kind.Singular} as the routing table holds it (JSON).");
        getArguments.ToList().ForEach(get.Arguments.Add);
        action(get, async context =>
        {
            var ids = Values(context, getArguments);
            var answer = await context.GetAsync("/admin/routing-table");
            var item = kind.Items(answer.Json(), ids)?[ids[^1]]
                ?? throw new CliFailure(ExitCodes.Refused, $"{kind.Singular} '{ids[^1]}' does not exist");
            context.Line(context.Json ? item.ToJsonString() : Tables.Pretty(item));
        });

        var setArguments = WithId();
        var file = new Option<string?>("--file", "-f") { Description = "the JSON document (else read from stdin)" };
        var create = new Option<bool>("--create") { Description = $"only create: refused (409) when the {kind.Singular} exists" };
        var setIfMatch = CommandContext.IfMatchOption();
        var set = new Command("set", $"Creates or replaces a {kind.Singular} from --file or stdin.") { file, create, setIfMatch };
        setArguments.ToList().ForEach(set.Arguments.Add);
        action(set, async context =>
        {
            var ids = Values(context, setArguments);
            var answer = await context.ChangeAsync(context.Value(create) ? HttpMethod.Post : HttpMethod.Put, kind.Path(ids), context.ReadBody(context.Value(file)), setIfMatch);
            Changed(context, answer, $"{kind.Singular} '{ids[^1]}' set");
        });

        var removeArguments = WithId();
        var removeIfMatch = CommandContext.IfMatchOption();
        var remove = new Command("remove", $"Removes a {kind.Singular}.") { removeIfMatch };
        removeArguments.ToList().ForEach(remove.Arguments.Add);
        action(remove, async context =>
        {
            var ids = Values(context, removeArguments);
            Changed(context, await context.ChangeAsync(HttpMethod.Delete, kind.Path(ids), null, removeIfMatch), $"{kind.Singular} '{ids[^1]}' removed");
        });

        group.Subcommands.Add(list);
        group.Subcommands.Add(get);
        group.Subcommands.Add(set);
        group.Subcommands.Add(remove);
        return group;
    }

    /// <summary>Reports an accepted change: the server's JSON, or what changed and the table's new version.</summary>
    public static void Changed(CommandContext context, Admin.AdminAnswer answer, string what)
    {
        if (context.Json)
        {
            context.WriteBody(answer);
            return;
        }

        context.Line(answer.Json()["version"] is { } version ? $"{what}: routing table v{version}" : what);
    }
}
