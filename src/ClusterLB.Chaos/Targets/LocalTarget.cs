using ClusterLB.Chaos.Load;

namespace ClusterLB.Chaos.Targets;

/// <summary>
/// The local multi-process cluster of deploy/local/cluster.sh (real node processes on loopback) with
/// a PostgreSQL journal of deploy/local/postgres.sh, a fresh cluster and database for each scenario.
/// A partition drops the node's remoting traffic with iptables rules marked <c>clusterlb-chaos</c>.
/// </summary>
public sealed class LocalTarget : ChaosTarget
{
    private readonly string _root;
    private readonly string _results;
    private readonly string _pgDirectory;
    private readonly string _pgPort;
    private string? _runDirectory;
    private Dictionary<string, string> _environment = [];

    public LocalTarget(string root, string results)
    {
        _root = root;
        _results = results;
        _pgDirectory = Environment.GetEnvironmentVariable("CLUSTERLB_CHAOS_PG_DIR")
            ?? throw new ChaosException("--local needs the PostgreSQL that deploy/chaos/run.sh starts (CLUSTERLB_CHAOS_PG_DIR is not set): run the scenarios through run.sh");
        _pgPort = Environment.GetEnvironmentVariable("CLUSTERLB_CHAOS_PG_PORT") ?? "55440";
    }

    public override string Kind => "local";

    public override NodeEndpoint Node(int i) =>
        new($"node-{i}", new Uri($"http://127.0.0.1:{8080 + i}"), new Uri($"http://127.0.0.1:{9090 + i}"));

    public override async Task PrepareAsync(string scenario)
    {
        await TearDownAsync();
        await StartJournalAsync();
        var database = "chaos_" + scenario.Replace('-', '_');
        await Postgres("createdb", _pgDirectory, _pgPort, database);
        _runDirectory = Path.Combine(_results, scenario, "cluster");
        Directory.CreateDirectory(_runDirectory);
        _environment = new Dictionary<string, string>
        {
            ["CLUSTERLB_RUN_DIR"] = _runDirectory,
            ["ClusterLB__Persistence__Provider"] = "PostgreSql",
            ["ClusterLB__Persistence__ConnectionString"] = $"Host=127.0.0.1;Port={_pgPort};Username=postgres;Database={database}",
        };
        await Cluster("up", Size.ToString());
        await WaitReadyAsync(TimeSpan.FromSeconds(90), Enumerable.Range(1, Size).ToArray());
    }

    public override Task KillNodeAsync(int i) => Cluster("kill", i.ToString());

    public override Task TerminateNodeAsync(int i) => Cluster("stop", i.ToString());

    public override Task StartNodeAsync(int i) => Cluster("start", i.ToString());

    public override Task PauseNodeAsync(int i) => Cluster("pause", i.ToString());

    public override Task ResumeNodeAsync(int i) => Cluster("resume", i.ToString());

    public override Task IsolateNodeAsync(int i) => Cluster("partition", i.ToString());

    public override Task HealNodeAsync(int i) => Cluster("heal", i.ToString());

    public override Task KillBackendAsync(int j) => Cluster("backend-kill", j.ToString());

    public override Task StartBackendAsync(int j) => Cluster("backend-start", j.ToString());

    public override Task SetBackendLatencyAsync(int j, int milliseconds) => Cluster("backend-slow", j.ToString(), milliseconds.ToString());

    public override Task StopJournalAsync() => Postgres("stop", _pgDirectory);

    public override Task StartJournalAsync() => Postgres("start", _pgDirectory, _pgPort);

    public override Task<ILoadRun> StartLoadAsync(string scenario, LoadSettings settings) =>
        InProcessLoad.StartAsync(new NodeSource.Fixed(Enumerable.Range(1, ScaleOutNode).Select(Node).ToList()), settings);

    public override async ValueTask DisposeAsync()
    {
        await TearDownAsync();
        Admin.Dispose();
    }

    private async Task TearDownAsync()
    {
        if (_runDirectory is not null)
        {
            // The scenario's results are recorded: the cluster is thrown away, not drained node by node (~25 s).
            await Cluster("heal-all");
            await Cluster("down", "--now");
            _runDirectory = null;
        }
    }

    private Task<string> Cluster(params string[] args) =>
        Shell.RunAsync("bash", [Path.Combine(_root, "deploy", "local", "cluster.sh"), .. args], _environment);

    private Task<string> Postgres(params string[] args) =>
        Shell.RunAsync("bash", [Path.Combine(_root, "deploy", "local", "postgres.sh"), .. args]);
}
