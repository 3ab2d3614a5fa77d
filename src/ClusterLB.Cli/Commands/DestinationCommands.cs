using System.CommandLine;
using System.Globalization;

namespace ClusterLB.Cli.Commands;

/// <summary><c>drain</c>, <c>maintenance</c>, <c>enable</c> and <c>weight</c>: an operator's commands on one destination.</summary>
internal static class DestinationCommands
{
    public static IEnumerable<Command> Build(Action<Command, Func<CommandContext, Task>> action)
    {
        foreach (var (name, description, done) in new[]
        {
            ("drain", "Drains a destination: no new sessions, in-flight requests finish.", "draining"),
            ("maintenance", "Takes a destination out of service at once.", "in maintenance"),
            ("enable", "Puts a destination back in service.", "active"),
        })
        {
            var (cluster, destination) = Arguments();
            var ifMatch = CommandContext.IfMatchOption();
            var command = new Command(name, description) { cluster, destination, ifMatch };
            action(command, async context =>
            {
                var path = Path(context.Value(cluster), context.Value(destination)) + "/" + name;
                TableCommands.Changed(context, await context.ChangeAsync(HttpMethod.Post, path, "{}", ifMatch), $"{context.Value(cluster)}/{context.Value(destination)} {done}");
            });
            yield return command;
        }

        var (weightCluster, weightDestination) = Arguments();
        var weight = new Argument<double>("weight") { Description = "the new weight, a positive number" };
        var weightIfMatch = CommandContext.IfMatchOption();
        var weightCommand = new Command("weight", "Sets a destination's weight.") { weightCluster, weightDestination, weight, weightIfMatch };
        action(weightCommand, async context =>
        {
            var value = context.Value(weight);
            if (value is not (> 0 and < double.PositiveInfinity))
            {
                throw CliFailure.Usage($"weight {value} must be a positive number");
            }

            var body = $"{{\"weight\":{value.ToString("R", CultureInfo.InvariantCulture)}}}";
            TableCommands.Changed(
                context,
                await context.ChangeAsync(HttpMethod.Put, Path(context.Value(weightCluster), context.Value(weightDestination)) + "/weight", body, weightIfMatch),
                $"{context.Value(weightCluster)}/{context.Value(weightDestination)} weight {value.ToString(CultureInfo.InvariantCulture)}");
        });
        yield return weightCommand;
    }

    private static (Argument<string> Cluster, Argument<string> Destination) Arguments() =>
        (new Argument<string>("cluster") { Description = "the cluster's id" }, new Argument<string>("destination") { Description = "the destination's id" });

    private static string Path(string cluster, string destination) =>
        $"/admin/clusters/{Uri.EscapeDataString(cluster)}/destinations/{Uri.EscapeDataString(destination)}";
}
