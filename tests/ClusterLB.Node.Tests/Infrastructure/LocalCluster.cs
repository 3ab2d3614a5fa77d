using System.Diagnostics;
using System.Net.Http.Json;
using ClusterLB.Node.Admin;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>
/// The user's multi-process cluster (deploy/local/cluster.sh) driven from a test: real node
/// processes on loopback ports 8081.., 9091.., sharing one SQLite journal. Brought down on dispose.
/// </summary>
public sealed class LocalCluster : IDisposable
{
    private readonly string _script = Path.Combine(Repository.Root, "deploy", "local", "cluster.sh");

    public LocalCluster()
    {
        RunDirectory = TempDirectory.Create("clusterlb-local");
    }

    public string RunDirectory { get; }

    public static HttpClient Proxy(int node) => new() { BaseAddress = new Uri($"http://127.0.0.1:{8080 + node}"), Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>An admin client of node <paramref name="node"/> with the cluster's write token (cluster.sh takes it from CLUSTERLB_ADMIN_TOKEN).</summary>
    public static HttpClient Admin(int node) => new()
    {
        BaseAddress = new Uri($"http://127.0.0.1:{9090 + node}"),
        Timeout = TimeSpan.FromSeconds(5),
        DefaultRequestHeaders = { Authorization = new("Bearer", TestNode.WriteToken) },
    };

    public string Run(params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(_script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["CLUSTERLB_RUN_DIR"] = RunDirectory;
        info.Environment["CLUSTERLB_ADMIN_TOKEN"] = TestNode.WriteToken;
        // Run the build this test runs in (bin/Release in CI, bin/Debug from an IDE).
        info.Environment["CLUSTERLB_CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} failed ({process.ExitCode}): {output}");
        }

        return output;
    }

    /// <summary>The arguments that give node <paramref name="node"/> a certificate from the cluster's development CA.</summary>
    public string[] TlsArgs(int node) => Run("tls-args", node.ToString()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static async Task<NodeStatus?> StatusAsync(int node)
    {
        using var admin = Admin(node);
        return await admin.GetFromJsonAsync<NodeStatus>("/admin/status");
    }

    public static Task WaitReadyAsync(params int[] nodes) =>
        Eventually.True(
            async () =>
            {
                foreach (var node in nodes)
                {
                    using var admin = Admin(node);
                    if (!(await admin.GetAsync("/healthz/ready")).IsSuccessStatusCode)
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(60),
            $"nodes {string.Join(", ", nodes)} ready");

    public string Log(int node) => File.Exists(Path.Combine(RunDirectory, $"node-{node}.log")) ? File.ReadAllText(Path.Combine(RunDirectory, $"node-{node}.log")) : "";

    public void Dispose() => Run("down");
}
