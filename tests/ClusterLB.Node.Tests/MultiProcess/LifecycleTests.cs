using System.Diagnostics;
using ClusterLB.Node.Hosting;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.MultiProcess;

/// <summary>How a real node process stops: asked to (SIGTERM), or removed by its cluster.</summary>
[Collection(MultiProcessCollection.Name)]
public sealed class LifecycleTests
{
    [Fact]
    public async Task SIGTERM_stops_accepting_finishes_in_flight_requests_turns_unready_and_exits_0()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var (proxyPort, adminPort) = (ClosedPort.Find(), ClosedPort.Find());
        var directory = TempDirectory.Create("clusterlb-sigterm");
        using var node = NodeProcess.Start(directory,
        [
            "--ReverseProxy:Routes:a:ClusterId=one",
            "--ReverseProxy:Routes:a:Match:Path=/a/{**rest}",
            "--ReverseProxy:Routes:a:Transforms:0:PathRemovePrefix=/a",
            $"--ReverseProxy:Clusters:one:Destinations:alpha:Address={backends[0].Url}",
            $"--Urls=http://127.0.0.1:{proxyPort}",
            $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}",
            $"--ClusterLB:DataDirectory={directory}",
            "--ClusterLB:ShutdownDrainTimeout=00:00:30",
            "--ClusterLB:ShutdownDelay=00:00:00",
        ]);
        using var proxy = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxyPort}") };
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.True(async () => (await admin.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "node ready");

        // A response that the backend holds open until the test opens its gate.
        using var inFlight = await proxy.GetAsync("/a/stream?chunks=2&chunkSize=1000&gate=drain", HttpCompletionOption.ResponseHeadersRead);
        node.Terminate();

        await Eventually.True(async () => (await admin.GetAsync("/healthz/ready")).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(10), "readiness 503 while draining");
        Assert.Contains("stopping", await (await admin.GetAsync("/healthz/ready")).Content.ReadAsStringAsync());
        // Readiness turns before Kestrel unbinds (the same stopping callback chain): the listener
        // closes within moments, while the in-flight response is still held open.
        await Eventually.True(() => RefusesNewConnections(proxyPort), TimeSpan.FromSeconds(10), "new connections refused while draining");

        backends[0].Gates.Open("drain");
        Assert.Equal(2000, (await inFlight.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task After_SIGTERM_the_node_turns_unready_at_once_and_keeps_serving_new_requests_for_the_shutdown_delay()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var (proxyPort, adminPort) = (ClosedPort.Find(), ClosedPort.Find());
        var directory = TempDirectory.Create("clusterlb-withdraw");
        using var node = NodeProcess.Start(directory,
        [
            "--ReverseProxy:Routes:a:ClusterId=one",
            "--ReverseProxy:Routes:a:Match:Path=/{**rest}",
            $"--ReverseProxy:Clusters:one:Destinations:alpha:Address={backends[0].Url}",
            $"--Urls=http://127.0.0.1:{proxyPort}",
            $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}",
            $"--ClusterLB:DataDirectory={directory}",
            "--ClusterLB:ShutdownDelay=00:00:04",
        ]);
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.True(async () => (await admin.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "node ready");

        var signalled = Stopwatch.StartNew();
        node.Terminate();
        await Eventually.True(async () => (await admin.GetAsync("/healthz/ready")).StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(2), "readiness 503 at once");

        // Each request on a new connection, as a client that has not yet seen the withdrawal.
        var answeredWhileWithdrawn = 0;
        while (!node.HasExited && signalled.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var fresh = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                var response = await fresh.GetAsync($"http://127.0.0.1:{proxyPort}/");
                Assert.True(response.IsSuccessStatusCode, $"request during the delay answered {(int)response.StatusCode}");
                Assert.Contains("alpha", await response.Content.ReadAsStringAsync());
                answeredWhileWithdrawn++;
            }
            catch (HttpRequestException)
            {
                break; // the listener closed: the delay is over
            }
        }

        var refusedAfter = signalled.Elapsed;
        Assert.True(refusedAfter >= TimeSpan.FromSeconds(3.5), $"connections refused {refusedAfter.TotalSeconds:0.0} s after SIGTERM, before the 4 s delay ended");
        Assert.True(answeredWhileWithdrawn > 10, $"only {answeredWhileWithdrawn} requests answered during the delay");
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Node_downed_by_the_cluster_stops_serving_and_exits_non_zero_so_that_its_supervisor_restarts_it()
    {
        using var cluster = new LocalCluster();
        cluster.Run("up", "2");
        await LocalCluster.WaitReadyAsync(1, 2);
        var (proxyPort, adminPort, remotingPort) = (ClosedPort.Find(), ClosedPort.Find(), ClosedPort.Find());
        using var third = NodeProcess.Start(cluster.RunDirectory,
        [
            "--ClusterLB:NodeName=node-3",
            $"--ClusterLB:DataDirectory={Path.Combine(cluster.RunDirectory, "data")}",
            $"--Urls=http://127.0.0.1:{proxyPort}",
            $"--ClusterLB:AdminUrl=http://127.0.0.1:{adminPort}",
            $"--ClusterLB:Cluster:Port={remotingPort}",
            "--ClusterLB:Cluster:Seeds:0=akka.tcp://clusterlb@127.0.0.1:4051",
            "--ClusterLB:Cluster:Seeds:1=akka.tcp://clusterlb@127.0.0.1:4052",
            .. cluster.TlsArgs(3),
        ]);
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.True(async () => (await admin.GetAsync("/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "node 3 ready");
        await Eventually.True(async () => await ClusterSize(1) == 3, TimeSpan.FromSeconds(30), "three members");

        // Frozen long enough for the others to find it unreachable and the resolver to down it.
        Process.Start("kill", ["-STOP", third.Id.ToString()])!.WaitForExit();
        await Eventually.True(async () => await ClusterSize(1) == 2, TimeSpan.FromSeconds(60), "node 3 removed by the others");
        Process.Start("kill", ["-CONT", third.Id.ToString()])!.WaitForExit();

        Assert.Equal(NodeProgram.RemovedByClusterExitCode, await third.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("the cluster removed this node", third.Stderr);
    }

    [Fact]
    public async Task A_three_node_cluster_starts_and_a_node_leaves_without_one_warning()
    {
        using var cluster = new LocalCluster();
        cluster.Run("up", "3");
        await LocalCluster.WaitReadyAsync(1, 2, 3);
        await Eventually.True(async () => await ClusterSize(3) == 3, TimeSpan.FromSeconds(30), "three members");
        var leaving = int.Parse(File.ReadAllText(Path.Combine(cluster.RunDirectory, "node-2.pid")).Trim());

        cluster.Run("stop", "2");
        await Eventually.True(() => Task.FromResult(!IsRunning(leaving)), TimeSpan.FromSeconds(60), "node 2 gone");
        await Eventually.True(async () => await ClusterSize(1) == 2, TimeSpan.FromSeconds(30), "two members left");

        // The console formatter starts a line of level Warning or above with warn:, fail: or crit:.
        var complaints = Enumerable.Range(1, 3)
            .SelectMany(node => Complaints(cluster.Log(node)).Select(complaint => $"node-{node}: {complaint}"))
            // A late heartbeat says the host was starved of CPU (three nodes compiling at once beside
            // other tests on two cores): a true warning about the machine, not about the start.
            .Where(complaint => !complaint.Contains("heartbeat interval is growing too large"))
            .ToList();
        Assert.True(complaints.Count == 0, "warnings on a normal start and leave:\n" + string.Join("\n", complaints));
    }

    // The console formatter writes a level and category line (warn:, fail:, crit:), then the message.
    private static IEnumerable<string> Complaints(string log)
    {
        var lines = log.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("warn:") || lines[i].StartsWith("fail:") || lines[i].StartsWith("crit:"))
            {
                yield return lines[i].Trim() + " " + (i + 1 < lines.Length ? lines[i + 1].Trim() : "");
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            return !Process.GetProcessById(pid).HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<bool> RefusesNewConnections(int port)
    {
        using var fresh = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await fresh.GetAsync($"http://127.0.0.1:{port}/a/");
            return false;
        }
        catch (HttpRequestException)
        {
            return true;
        }
    }

    private static async Task<int> ClusterSize(int node)
    {
        using var admin = LocalCluster.Admin(node);
        var members = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<ClusterLB.Node.Admin.ClusterOverview>(admin, "/admin/cluster");
        return members!.Members.Count;
    }
}
