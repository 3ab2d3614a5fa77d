using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace ClusterLB.Cli.Output;

/// <summary>Readable output: Spectre.Console tables, plain text when not on a terminal.</summary>
internal static class Tables
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static IAnsiConsole ConsoleOn(CliEnvironment environment)
    {
        var terminal = environment.OutIsTerminal;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(environment.Out),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 240; // a pipe or a file has no width: do not wrap
        }

        return console;
    }

    /// <summary>A table with <paramref name="columns"/>, cells taken as text (never as markup).</summary>
    public static Table Of(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        return table;
    }

    public static Table Row(this Table table, params string?[] cells) =>
        table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c is { Length: > 0 } ? c : "-")).ToArray());

    /// <summary>A two-column grid of names and values.</summary>
    public static Grid Fields(IEnumerable<(string Name, string? Value)> fields)
    {
        var grid = new Grid().AddColumn().AddColumn();
        foreach (var (name, value) in fields)
        {
            grid.AddRow(new Text(name), new Text(value is { Length: > 0 } ? value : "-"));
        }

        return grid;
    }

    /// <summary>A JSON value as a cell: strings bare, the rest as JSON.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };

    /// <summary>A JSON document indented for reading.</summary>
    public static string Pretty(JsonNode? node) => node?.ToJsonString(Indented) ?? "null";
}
