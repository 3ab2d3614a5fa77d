using System.CommandLine;
using ClusterLB.Cli.Admin;
using ClusterLB.Cli.Commands;

namespace ClusterLB.Cli;

/// <summary>
/// <c>clusterlb</c>: reads and changes a ClusterLB node's state through its admin API. Exit codes are
/// in <see cref="ExitCodes"/>; every failure is one line on stderr.
/// </summary>
public static class ClusterLBCli
{
    /// <summary>Runs the command line <paramref name="args"/> and answers its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellation = default)
    {
        var global = new GlobalOptions();
        var root = new RootCommand("clusterlb: reads and changes a ClusterLB cluster through a node's admin API.");
        foreach (var option in global.All)
        {
            root.Options.Add(option);
        }

        void Action(Command command, Func<CommandContext, Task> run) => command.SetAction(async (parsed, token) =>
        {
            try
            {
                var connection = AdminConnection.Resolve(parsed.GetValue(global.Server), parsed.GetValue(global.Token), parsed.GetValue(global.TokenFile), environment);
                using var client = new AdminClient(connection);
                await run(new CommandContext(parsed, environment, client, parsed.GetValue(global.Json), token));
                return ExitCodes.Ok;
            }
            catch (CliFailure failure)
            {
                await environment.Error.WriteLineAsync($"clusterlb: {failure.Message}");
                return failure.ExitCode;
            }
        });

        foreach (var command in ReadCommands.Build(Action).Concat(TableCommands.Build(Action)).Concat(DestinationCommands.Build(Action)).Concat(HistoryCommands.Build(Action)).Concat(PolicyAndCacheCommands.Build(Action)).Append(KeyCommand.Build(Action)).Append(TopCommand.Build(Action)))
        {
            root.Subcommands.Add(command);
        }

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            await environment.Error.WriteLineAsync($"clusterlb: {string.Join("; ", result.Errors.Select(e => e.Message.TrimEnd('.')))} (see clusterlb --help)");
            return ExitCodes.Usage;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = environment.Out, Error = environment.Error }, cancellation);
    }

    /// <summary>Options every command takes.</summary>
    private sealed class GlobalOptions
    {
        public Option<string?> Server { get; } = new("--server")
        {
            Description = $"the node's admin address (else CLUSTERLB_SERVER, else {AdminConnection.DefaultServer})",
            Recursive = true,
        };

        public Option<string?> Token { get; } = new("--token") { Description = "the admin token (else CLUSTERLB_TOKEN, else the token file)", Recursive = true };

        public Option<string?> TokenFile { get; } = new("--token-file")
        {
            Description = $"a file holding the token (default: {string.Join(" or ", AdminConnection.DefaultTokenFiles)}, when present)",
            Recursive = true,
        };

        public Option<bool> Json { get; } = new("--json") { Description = "print the server's JSON unchanged, for scripts", Recursive = true };

        public IEnumerable<Option> All => [Server, Token, TokenFile, Json];
    }
}
