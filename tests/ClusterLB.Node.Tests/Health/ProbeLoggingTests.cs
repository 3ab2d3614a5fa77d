using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Health;

/// <summary>A real node process with active health checks and every category logging at Information.</summary>
public sealed class ProbeLoggingTests
{
    [Fact]
    public async Task Health_probes_are_not_logged_one_by_one_even_at_Information()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var (proxyPort, adminPort) = (ClosedPort.Find(), ClosedPort.Find());
        var directory = TempDirectory.Create("clusterlb-probelog");
        using var node = NodeProcess.Start(directory,
        [
            "--ReverseProxy:Routes:a:ClusterId=one",
            "--ReverseProxy:Routes:a:Match:Path=/{**rest}",
            $"--ReverseProxy:Clusters:one:Destinations:alpha:Address={backends[0].Url}",
            "--ReverseProxy:Clusters:one:HealthCheck:Active:Enabled=true",
            "--ReverseProxy:Clusters:one:HealthCheck:Active:Interval=00:00:01",
            "--ReverseProxy:Clusters:one:HealthCheck:Active:Path=/health",
            "--Logging:LogLevel:Default=Information",
            $"--Urls=http://127.0.0.1:{proxyPort}",
            $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}",
            $"--ClusterLB:DataDirectory={directory}",
        ]);

        await Eventually.True(() => Task.FromResult(backends.Servers[0].HealthChecks.Values.Sum() >= 3), TimeSpan.FromSeconds(60),
            $"three probes of the backend\n{node.Stdout}\n{node.Stderr}");

        Assert.Contains("Proxy now runs routing table", node.Stdout); // Information lines do reach the log
        Assert.DoesNotContain(ClusterLB.Cluster.Health.HealthMonitor.ProbeClientName, node.Stdout + node.Stderr);
    }
}
