using System.Diagnostics;

namespace ClusterLB.Chaos.Targets;

/// <summary>Runs the commands a target is driven with (cluster.sh, docker-compose, iptables).</summary>
internal static class Shell
{
    /// <summary>Runs <paramref name="command"/> and returns its output; throws, with the output, when it fails.</summary>
    public static async Task<string> RunAsync(string command, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool check = true)
    {
        var (code, output) = await TryRunAsync(command, args, environment);
        if (check && code != 0)
        {
            throw new ChaosException($"{command} {string.Join(' ', args)} failed with exit code {code}: {output.Trim()}");
        }

        return output;
    }

    public static async Task<(int Code, string Output)> TryRunAsync(string command, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new ChaosException($"could not start {command}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>Something stopped the run itself (not a failed threshold): reported in one line, exit code 2.</summary>
public sealed class ChaosException(string message) : Exception(message);
