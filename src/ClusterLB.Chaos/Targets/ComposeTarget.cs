using ClusterLB.Chaos.Load;

namespace ClusterLB.Chaos.Targets;

/// <summary>
/// The compose cluster of docker-compose.cluster.yml, already up: nodes reached on the host's loopback
/// ports 8081-8084 / 9091-9094, load from the <c>client</c> service (profile <c>chaos</c>) inside the
/// compose network, resolving the alias <c>lb</c> to every node as a DNS client does. A node is killed
/// through its process (its restart policy brings it back), cut off with <c>docker network disconnect</c>.
/// </summary>
public sealed class ComposeTarget : ChaosTarget
{
    private readonly string _root;
    private readonly string _results;
    private readonly string _composeFile;
    private readonly Dictionary<string, string> _containers = [];

    public ComposeTarget(string root, string results)
    {
        _root = root;
        _results = results;
        _composeFile = Path.Combine(root, "docker-compose.cluster.yml");
    }

    public override string Kind => "compose";

    public override NodeEndpoint Node(int i) =>
        new($"node-{i}", new Uri($"http://127.0.0.1:{8080 + i}"), new Uri($"http://127.0.0.1:{9090 + i}"));

    public override async Task CheckAsync()
    {
        var (code, output) = await Shell.TryRunAsync("docker-compose", ["-f", _composeFile, "ps", "-q", "node-1"]);
        if (code != 0 || output.Trim().Length == 0)
        {
            throw new ChaosException("the compose cluster is not up: run `docker-compose -f docker-compose.cluster.yml up -d --build` first (docs/operations.md)");
        }
    }

    public override async Task PrepareAsync(string scenario)
    {
        // Undo what an earlier scenario may have left: a fourth node, a stopped service, a cut-off node, a slow backend.
        await Compose("--profile", "scale", "rm", "-s", "-f", "node-4");
        await Compose("start", "postgres", "backend-1", "backend-2", "backend-3", "node-1", "node-2", "node-3");
        for (var i = 1; i <= Size; i++)
        {
            await ResumeNodeAsync(i);
            await HealNodeAsync(i);
        }

        for (var j = 1; j <= 3; j++)
        {
            await SetBackendLatencyAsync(j, 0);
        }

        await WaitReadyAsync(TimeSpan.FromSeconds(120), Enumerable.Range(1, Size).ToArray());

        // Looked up now, so that a fault is injected the moment it is timed (docker-compose itself takes a second).
        foreach (var service in Enumerable.Range(1, Size).SelectMany(i => new[] { ServiceOf(i), BackendName(i) }))
        {
            await ContainerAsync(service);
        }
    }

    public override async Task KillNodeAsync(int i) =>
        await Shell.RunAsync("kill", ["-KILL", (await Docker("inspect", "-f", "{{.State.Pid}}", await ContainerAsync($"node-{i}"))).Trim()]);

    public override Task TerminateNodeAsync(int i) => Compose("stop", "-t", "60", ServiceOf(i));

    public override async Task StartNodeAsync(int i)
    {
        if (i == ScaleOutNode)
        {
            await Compose("--profile", "scale", "up", "-d", "--no-recreate", "node-4");
            return;
        }

        // A killed node is restarted by its restart policy; one that was stopped on purpose is started here.
        var running = (await Docker("inspect", "-f", "{{.State.Running}}", await ContainerAsync(ServiceOf(i)))).Trim();
        if (running != "true")
        {
            await Compose("start", ServiceOf(i));
        }
    }

    public override Task PauseNodeAsync(int i) => Compose("pause", ServiceOf(i));

    public override async Task ResumeNodeAsync(int i)
    {
        var paused = (await Docker("inspect", "-f", "{{.State.Paused}}", await ContainerAsync(ServiceOf(i)))).Trim();
        if (paused == "true")
        {
            await Compose("unpause", ServiceOf(i));
        }
    }

    public override async Task IsolateNodeAsync(int i)
    {
        var container = await ContainerAsync(ServiceOf(i));
        await Docker("network", "disconnect", await NetworkAsync(), container);
    }

    public override async Task HealNodeAsync(int i)
    {
        var container = await ContainerAsync(ServiceOf(i));
        var network = await NetworkAsync();
        var attached = await Docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", container);
        if (!attached.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(network))
        {
            await Docker("network", "connect", "--alias", ServiceOf(i), "--alias", "lb", network, container);
        }
    }

    public override async Task KillBackendAsync(int j) => await Docker("kill", "-s", "KILL", await ContainerAsync(BackendName(j)));

    public override Task StartBackendAsync(int j) => Compose("start", BackendName(j));

    public override Task SetBackendLatencyAsync(int j, int milliseconds) =>
        Compose("--profile", "chaos", "run", "--rm", "--no-deps", "client", "latency", "--url", $"http://{BackendName(j)}:8080", "--ms", milliseconds.ToString());

    public override Task StopJournalAsync() => Compose("stop", "postgres");

    public override Task StartJournalAsync() => Compose("start", "postgres");

    public override async Task<ILoadRun> StartLoadAsync(string scenario, LoadSettings settings)
    {
        // The client service mounts ./run/chaos at /results.
        var shared = Path.Combine(_root, "run", "chaos");
        Directory.CreateDirectory(shared);
        var name = $"load-{scenario}-{DateTime.UtcNow:HHmmss}";
        File.Delete(Path.Combine(shared, name + ".json"));
        await Compose(
            "--profile", "chaos", "run", "-d", "--rm", "--no-deps", "client", "load",
            "--dns", "lb", "--proxy-port", "8080", "--admin-port", "9090",
            "--rate", settings.Rate.ToString(), "--keys", settings.Keys.ToString(),
            "--keyed-share", settings.KeyedShare.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--out", $"/results/{name}.json", "--stop-file", $"/results/{name}.stop");
        return new ClientServiceLoad(Path.Combine(shared, name), _results, scenario);
    }

    public override ValueTask DisposeAsync()
    {
        Admin.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string ServiceOf(int i) => $"node-{i}";

    private async Task<string> ContainerAsync(string service)
    {
        if (_containers.TryGetValue(service, out var known))
        {
            return known;
        }

        var id = (await Compose("--profile", "scale", "ps", "-q", service)).Trim();
        if (id.Length == 0)
        {
            throw new ChaosException($"compose service {service} has no container");
        }

        if (service != ServiceOf(ScaleOutNode))
        {
            _containers[service] = id; // stable across stop and start; node-4 is created anew each time
        }

        return id;
    }

    private async Task<string> NetworkAsync()
    {
        var networks = await Docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", await ContainerAsync("backend-1"));
        return networks.Split(' ', StringSplitOptions.RemoveEmptyEntries).First();
    }

    private Task<string> Compose(params string[] args) => Shell.RunAsync("docker-compose", ["-f", _composeFile, .. args]);

    private static Task<string> Docker(params string[] args) => Shell.RunAsync("docker", args);

    /// <summary>Load from the client container: stopped through a file in the shared folder, report read back from it.</summary>
    private sealed class ClientServiceLoad(string basePath, string results, string scenario) : ILoadRun
    {
        public async Task<LoadReport> StopAsync()
        {
            await File.WriteAllTextAsync(basePath + ".stop", "stop\n");
            var report = basePath + ".json";
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(report)), TimeSpan.FromSeconds(60), $"the client's report {report}");
            Directory.CreateDirectory(Path.Combine(results, scenario));
            File.Copy(report, Path.Combine(results, scenario, "load.json"), overwrite: true);
            return await LoadReport.ReadAsync(report);
        }
    }
}
