using System.CommandLine;
using System.Text.Json.Nodes;
using ClusterLB.Cli.Admin;
using ClusterLB.Cli.Output;
using Spectre.Console;

namespace ClusterLB.Cli.Commands;

/// <summary>What a command's action works with: its parsed line, the admin client and where to write.</summary>
internal sealed class CommandContext(ParseResult parsed, CliEnvironment environment, AdminClient client, bool json, CancellationToken cancellation)
{
    public ParseResult Parsed => parsed;

    public CliEnvironment Environment => environment;

    /// <summary>Print the server's JSON unchanged instead of tables.</summary>
    public bool Json => json;

    public IAnsiConsole Console { get; } = Tables.ConsoleOn(environment);

    public T Value<T>(Argument<T> argument) => parsed.GetValue(argument)!;

    public T Value<T>(Option<T> option) => parsed.GetValue(option)!;

    public Task<AdminAnswer> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    /// <summary>
    /// Reads <paramref name="path"/> for a readable view: its JSON, or null when <c>--json</c> asked
    /// for the body, which is then printed unchanged.
    /// </summary>
    public async Task<JsonNode?> ReadForViewAsync(string path)
    {
        var answer = await GetAsync(path);
        if (Json)
        {
            WriteBody(answer);
            return null;
        }

        return answer.Json();
    }

    /// <summary>Sends a request and answers the server's success; a refusal ends the command with exit 1.</summary>
    public async Task<AdminAnswer> SendAsync(HttpMethod method, string path, string? body) => await SendAsync(method, path, body, ifMatch: null);

    /// <summary>
    /// Sends a change of the routing table, made only if the table is still at the version <paramref name="ifMatch"/>
    /// gives (<c>If-Match</c>); answers the server's success, and a refusal ends the command with exit 1.
    /// </summary>
    public async Task<AdminAnswer> ChangeAsync(HttpMethod method, string path, string? body, Option<long?> ifMatch) =>
        await SendAsync(method, path, body, parsed.GetValue(ifMatch));

    /// <summary>The <c>--if-match</c> option of a command that changes the routing table.</summary>
    public static Option<long?> IfMatchOption() => new("--if-match")
    {
        Description = "change only if the routing table is still at this version (as history or --json shows it); else refused",
    };

    private async Task<AdminAnswer> SendAsync(HttpMethod method, string path, string? body, long? ifMatch)
    {
        var answer = await client.SendAsync(method, path, body, cancellation, ifMatch);
        return answer.IsSuccess ? answer : throw new CliFailure(ExitCodes.Refused, answer.Refusal(method.Method, path, ifMatch));
    }

    /// <summary>Writes the server's body as it came, for scripts.</summary>
    public void WriteBody(AdminAnswer answer) => environment.Out.WriteLine(answer.Body.TrimEnd('\n'));

    /// <summary>A JSON body from <paramref name="file"/>, or from stdin when there is none.</summary>
    public string ReadBody(string? file)
    {
        if (file is null)
        {
            var input = environment.In.ReadToEnd();
            return input.Trim().Length > 0 ? input : throw CliFailure.Usage("give the JSON with --file, or on stdin");
        }

        var path = Path.Combine(environment.WorkingDirectory, file);
        return File.Exists(path) ? File.ReadAllText(path) : throw CliFailure.Usage($"file '{file}' does not exist");
    }

    public void Line(string text) => environment.Out.WriteLine(text);
}
