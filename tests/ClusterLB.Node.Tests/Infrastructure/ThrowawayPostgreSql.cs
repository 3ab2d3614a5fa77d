using System.Diagnostics;
using Npgsql;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own (deploy/local/postgres.sh: a temporary directory, a free
/// loopback port) that the test can stop and start again on the same port (the shared server of
/// ./test.sh must stay up). Always stopped and removed on dispose.
/// </summary>
public sealed class ThrowawayPostgreSql : IDisposable
{
    private readonly string _directory = TempDirectory.Create("clusterlb-pg");

    private ThrowawayPostgreSql(int port) => Port = port;

    public int Port { get; }

    public bool IsRunning { get; private set; }

    /// <summary>Connection string of the server's <c>postgres</c> database; a refused connection fails at once.</summary>
    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = "postgres", Timeout = 5 }.ConnectionString;

    /// <summary>A server on a free port; started unless <paramref name="start"/> is false.</summary>
    public static ThrowawayPostgreSql Create(bool start = true)
    {
        var server = new ThrowawayPostgreSql(ClosedPort.Find());
        if (start)
        {
            server.Start();
        }

        return server;
    }

    /// <summary>Starts the server on its port (creating it the first time) and returns once it accepts connections.</summary>
    public void Start()
    {
        Script("start", _directory, Port.ToString());
        IsRunning = true;
    }

    /// <summary>Stops the server at once, closing every connection (as a database crash does).</summary>
    public void Stop()
    {
        Script("stop", _directory);
        IsRunning = false;
    }

    public void Dispose() => Script("destroy", _directory);

    private static void Script(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "deploy", "local", "postgres.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"postgres.sh {string.Join(' ', arguments)} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"postgres.sh {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }
    }
}
