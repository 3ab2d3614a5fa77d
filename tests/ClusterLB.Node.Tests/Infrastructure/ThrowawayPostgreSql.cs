using System.Diagnostics;
using Npgsql;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the test's own, in a temporary directory on a free loopback port, that the
/// test can stop and start again on the same port (the shared server of ./test.sh must stay up).
/// Always stopped and removed on dispose.
/// </summary>
public sealed class ThrowawayPostgreSql : IDisposable
{
    private static readonly bool IsRoot = Environment.UserName == "root";
    private readonly string _bin;
    private readonly string _directory;

    private ThrowawayPostgreSql(string bin, string directory, int port)
    {
        _bin = bin;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public bool IsRunning { get; private set; }

    /// <summary>Connection string of the server's <c>postgres</c> database; a refused connection fails at once.</summary>
    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = "postgres", Timeout = 5 }.ConnectionString;

    /// <summary>Creates the server's data directory; starts it unless <paramref name="start"/> is false.</summary>
    public static ThrowawayPostgreSql Create(bool start = true)
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(version => Path.Combine(version, "bin"))
            .Where(path => File.Exists(Path.Combine(path, "initdb")))
            .OrderBy(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(path)), out var major) ? major : 0)
            .LastOrDefault() ?? throw new InvalidOperationException("PostgreSQL server binaries are missing: apt-get install postgresql");
        var server = new ThrowawayPostgreSql(bin, TempDirectory.Create("clusterlb-pg"), ClosedPort.Find());
        if (IsRoot)
        {
            Run("chown", "postgres", server._directory);
        }

        server.AsPostgres("initdb", "-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "--no-sync");
        if (start)
        {
            server.Start();
        }

        return server;
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>Starts the server on its port and returns once it accepts connections.</summary>
    public void Start()
    {
        AsPostgres(
            "pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "start",
            "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off");
        IsRunning = true;
    }

    /// <summary>Stops the server, closing every connection (as a database restart does).</summary>
    public void Stop(string mode = "fast")
    {
        AsPostgres("pg_ctl", "-D", DataDirectory, "-m", mode, "-w", "stop");
        IsRunning = false;
    }

    public void Dispose()
    {
        try
        {
            if (IsRunning)
            {
                Stop("immediate");
            }
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private void AsPostgres(string program, params string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        if (IsRoot)
        {
            Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
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
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }
    }
}
