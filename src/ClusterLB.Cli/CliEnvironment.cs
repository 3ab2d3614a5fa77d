namespace ClusterLB.Cli;

/// <summary>What the client reads and writes besides the server: its streams, environment and working directory.</summary>
public sealed record CliEnvironment(TextWriter Out, TextWriter Error, TextReader In, Func<string, string?> Variable, string WorkingDirectory)
{
    /// <summary>The process's console, environment and current directory.</summary>
    public static CliEnvironment Process =>
        new(Console.Out, Console.Error, Console.In, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory());

    /// <summary>Whether <see cref="Out"/> is a terminal (and not redirected), so tables may use colour and its width.</summary>
    public bool OutIsTerminal => ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected;
}
