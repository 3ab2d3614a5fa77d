using System.CommandLine;
using System.Text.Json.Nodes;
using ClusterLB.Cli.Output;

namespace ClusterLB.Cli.Commands;

/// <summary>
/// <c>history</c>, <c>diff</c>, <c>rollback</c>, <c>export</c> and <c>import</c>: the routing table's
/// versions. A node without these endpoints answers 404, which the client reports in one line.
/// </summary>
internal static class HistoryCommands
{
    public static IEnumerable<Command> Build(Action<Command, Func<CommandContext, Task>> action)
    {
        var history = new Command("history", "The routing table's versions: version, time, by whom, what changed.");
        action(history, async context =>
        {
            if (await context.ReadForViewAsync("/admin/history") is not { } view)
            {
                return;
            }

            var entries = view as JsonArray ?? (view as JsonObject)?.Select(p => p.Value).OfType<JsonArray>().FirstOrDefault() ?? [];
            var table = Tables.Of("version", "time", "by", "summary");
            foreach (var e in entries)
            {
                table.Row(Tables.Text(e?["version"]), Tables.Text(e?["time"] ?? e?["at"]), Tables.Text(e?["by"]), Tables.Text(e?["summary"]));
            }

            context.Console.Write(table);
        });

        var from = new Argument<long>("a") { Description = "the older version" };
        var to = new Argument<long>("b") { Description = "the newer version" };
        var diff = new Command("diff", "What changed between two versions of the routing table.") { from, to };
        action(diff, async context =>
        {
            var answer = await context.GetAsync($"/admin/history/{context.Value(from)}/diff/{context.Value(to)}");
            context.WriteBody(answer);
        });

        var version = new Argument<long>("version") { Description = "the version to go back to" };
        var rollbackIfMatch = CommandContext.IfMatchOption();
        var rollback = new Command("rollback", "Makes an earlier version the routing table again (as a new version).") { version, rollbackIfMatch };
        action(rollback, async context =>
        {
            var answer = await context.ChangeAsync(HttpMethod.Post, $"/admin/rollback/{context.Value(version)}", "{}", rollbackIfMatch);
            TableCommands.Changed(context, answer, $"rolled back to v{context.Value(version)}");
        });

        var output = new Option<string?>("--output", "-o") { Description = "write to this file instead of stdout" };
        var export = new Command("export", "The whole routing table as a document import takes.") { output };
        action(export, async context =>
        {
            var answer = await context.GetAsync("/admin/export");
            if (context.Value(output) is { } file)
            {
                await File.WriteAllTextAsync(Path.Combine(context.Environment.WorkingDirectory, file), answer.Body);
                return;
            }

            context.WriteBody(answer);
        });

        var input = new Argument<string>("file") { Description = "a document written by export" };
        var importIfMatch = CommandContext.IfMatchOption();
        var import = new Command("import", "Replaces the routing table with an exported document.") { input, importIfMatch };
        action(import, async context =>
        {
            var answer = await context.ChangeAsync(HttpMethod.Put, "/admin/import", context.ReadBody(context.Value(input)), importIfMatch);
            TableCommands.Changed(context, answer, $"imported {context.Value(input)}");
        });

        return [history, diff, rollback, export, import];
    }
}
