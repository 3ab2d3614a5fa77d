namespace ClusterLB.Cli.Tests.Infrastructure;

/// <summary>One run of the client in this process: its exit code and what it wrote.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static async Task<CliRun> RunAsync(string[] args, string stdin = "", IDictionary<string, string>? variables = null, string? workingDirectory = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment(
            output,
            error,
            new StringReader(stdin),
            name => variables?.TryGetValue(name, out var value) == true ? value : null,
            workingDirectory ?? Path.GetTempPath());
        var code = await ClusterLBCli.RunAsync(args, environment);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Asserts the exit code, showing what the client wrote when it differs.</summary>
    public CliRun Exited(int expected)
    {
        Assert.True(ExitCode == expected, $"exit code {ExitCode}, expected {expected}\nstdout: {Out}\nstderr: {Error}");
        return this;
    }

    /// <summary>The one line on stderr of a failed run.</summary>
    public string ErrorLine
    {
        get
        {
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            return lines[0];
        }
    }
}
