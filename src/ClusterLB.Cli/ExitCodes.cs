namespace ClusterLB.Cli;

/// <summary>The client's exit codes, for scripts.</summary>
public static class ExitCodes
{
    /// <summary>The server did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The server refused (4xx or 5xx); its message is on stderr.</summary>
    public const int Refused = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached: connection refused, unknown host, timeout.</summary>
    public const int Unreachable = 3;
}

/// <summary>A command that ends with an exit code and a one-line message on stderr.</summary>
internal sealed class CliFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public static CliFailure Usage(string message) => new(ExitCodes.Usage, message);
}
