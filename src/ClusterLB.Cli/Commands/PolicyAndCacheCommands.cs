using System.CommandLine;
using System.Text.Json.Nodes;
using ClusterLB.Cli.Output;

namespace ClusterLB.Cli.Commands;

/// <summary><c>policies get|set</c> (the table's named policies) and <c>purge</c> (the response cache on every node).</summary>
internal static class PolicyAndCacheCommands
{
    public static IEnumerable<Command> Build(Action<Command, Func<CommandContext, Task>> action)
    {
        var get = new Command("get", "The routing table's named policies (JSON).");
        action(get, async context =>
        {
            var answer = await context.GetAsync("/admin/policies");
            context.Line(context.Json ? answer.Body.TrimEnd('\n') : Tables.Pretty(answer.Json()));
        });
        var file = new Option<string?>("--file", "-f") { Description = "the JSON document (else read from stdin)" };
        var ifMatch = CommandContext.IfMatchOption();
        var set = new Command("set", "Replaces the named policies from --file or stdin.") { file, ifMatch };
        action(set, async context =>
            TableCommands.Changed(context, await context.ChangeAsync(HttpMethod.Put, "/admin/policies", context.ReadBody(context.Value(file)), ifMatch), "policies set"));
        yield return new Command("policies", "Read and replace the routing table's named policies.") { get, set };

        var route = new Option<string?>("--route") { Description = "only this route's answers" };
        var prefix = new Option<string?>("--prefix") { Description = "only answers for paths starting with this (e.g. /api/)" };
        var purge = new Command("purge", "Removes cached answers on every node (all of them without --route or --prefix).") { route, prefix };
        action(purge, async context =>
        {
            var body = new JsonObject { ["routeId"] = context.Value(route), ["pathPrefix"] = context.Value(prefix) };
            var answer = await context.SendAsync(HttpMethod.Post, "/admin/cache/purge", body.ToJsonString());
            if (context.Json)
            {
                context.WriteBody(answer);
                return;
            }

            var json = answer.Json();
            context.Line($"purged {json["purgedHere"]} answers here; sent to {json["sentTo"]?.AsArray().Count ?? 0} other nodes");
        });
        yield return purge;
    }
}
