using System.Diagnostics;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Observability;

/// <summary>
/// deploy/prometheus: the sample scrape configuration and the alert rules load in Prometheus's own
/// checker, and each alert fires on the series it is written for (clusterlb-alerts.test.yml).
/// promtool comes with Debian's prometheus package, which ./test.sh installs.
/// </summary>
public sealed class AlertRulesTests
{
    private static readonly string Directory = Path.Combine(Repository.Root, "deploy", "prometheus");

    [Fact]
    public async Task Alert_rules_fire_on_the_series_they_are_written_for()
    {
        var (exit, output) = await PromtoolAsync(Directory, "test", "rules", "clusterlb-alerts.test.yml");

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [Fact]
    public async Task Sample_scrape_configuration_and_rules_load()
    {
        // The sample names the token file where a Prometheus server keeps it; the check needs it to exist.
        var copy = TempDirectory.Create("clusterlb-prometheus");
        var token = Path.Combine(copy, "clusterlb-read.token");
        await File.WriteAllTextAsync(token, "a-read-token");
        File.Copy(Path.Combine(Directory, "clusterlb-alerts.yml"), Path.Combine(copy, "clusterlb-alerts.yml"));
        var config = (await File.ReadAllTextAsync(Path.Combine(Directory, "prometheus.yml"))).Replace("/etc/prometheus/clusterlb-read.token", token);
        Assert.Contains(token, config);
        await File.WriteAllTextAsync(Path.Combine(copy, "prometheus.yml"), config);

        var (exit, output) = await PromtoolAsync(copy, "check", "config", "prometheus.yml");

        Assert.True(exit == 0, output);
        Assert.Contains("6 rules found", output);
    }

    private static async Task<(int Exit, string Output)> PromtoolAsync(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("promtool")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("promtool did not start (./test.sh installs Debian's prometheus package)");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
