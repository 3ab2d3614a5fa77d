using ClusterLB.Chaos.Load;
using ClusterLB.Chaos.Targets;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>
/// An operator drains backend 2 of the plain traffic's cluster on node 1 while slow requests are in
/// flight on every node; 6 s later enables it again. No node may send it a new request from 1 s after
/// the drain was accepted, and the requests in flight must finish.
/// </summary>
public sealed class Drain : Scenario
{
    private const int Victim = 2;
    private const string Cluster = "app";
    private static readonly TimeSpan Obey = TimeSpan.FromSeconds(1);
    private long _accepted;
    private long _enabled;
    private (int Status, string? Backend)[] _slow = [];

    public override string Name => "drain";

    protected override bool WritesChanges => false;

    protected override async Task ActAsync()
    {
        var victim = ChaosTarget.BackendName(Victim);
        // Requests that take 2 s, sent through every node, so that some are in flight on the victim.
        var slow = Balancers.SelectMany(i => Enumerable.Range(0, 6).Select(_ => Target.Admin.ProxyGetAsync(i, $"{LoadSettings.PlainPath}?delay=2000", TimeSpan.FromSeconds(10)))).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        try
        {
            Say($"drain {victim} of cluster {Cluster} on node 1");
            var drain = await Target.Admin.DestinationCommandAsync(1, Cluster, victim, "drain");
            _accepted = Now();
            if (drain.Status != 200)
            {
                throw new ChaosException($"drain refused: {drain.Status} {drain.Body}");
            }

            _slow = await Task.WhenAll(slow);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, _accepted + 6_000 - Now())));
        }
        finally
        {
            var enable = await Target.Admin.DestinationCommandAsync(1, Cluster, victim, "enable");
            _enabled = Now();
            Say($"enable {victim}: {enable.Status}");
        }

        await Task.Delay(TimeSpan.FromSeconds(4));
    }

    protected override void Judge(LoadReport report)
    {
        var victim = ChaosTarget.BackendName(Victim);
        var plain = report.Requests.Where(r => r.Key is null && r.Ok).ToList();
        var late = plain.Where(r => r.Backend == victim && r.At >= _accepted + (long)Obey.TotalMilliseconds && r.At < _enabled).ToList();
        var lastSent = plain.Where(r => r.Backend == victim && r.At >= _accepted && r.At < _enabled).Select(r => (long?)r.At).Max();
        Result.DetectSeconds = lastSent is null ? 0 : Seconds(_accepted, lastSent.Value);
        Result.DetectMeans = $"from the drain's acceptance until the last new request any node sent {victim}";
        var back = plain.FirstOrDefault(r => r.At >= _enabled && r.Backend == victim);
        Result.RecoverSeconds = back is null ? null : Seconds(_enabled, back.At);
        Result.RecoverMeans = $"from enable until {victim} answers requests again";
        var slowOnVictim = _slow.Count(s => s.Backend == victim);
        Result.Measures["in-flight-on-drained"] = slowOnVictim;
        Result.Require(
            "no node sends the drained backend a new request from 1 s after the drain",
            late.Count == 0,
            late.Count == 0 ? "none" : $"{late.Count} sent, by {string.Join(", ", late.GroupBy(r => r.Node).Select(g => $"{g.Key}: {g.Count()}"))}");
        Result.Require(
            "requests in flight on the drained backend finish",
            slowOnVictim > 0 && _slow.All(s => s.Status == 200),
            $"{_slow.Count(s => s.Status == 200)} of {_slow.Length} slow requests answered 200, {slowOnVictim} of them by {victim}");
        Result.Require("the backend serves again once enabled", back is not null, back is null ? "no answer from it after enable" : "yes");
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
    }
}

/// <summary>
/// Every backend of the <c>storm</c> cluster answers 503, which that cluster retries, while the
/// runner sends it 40 requests a second through each node for 8 s besides the steady load. Each
/// node's retries must stay within its budget: 20 % of the requests plus 10 a second.
/// </summary>
public sealed class RetryStorm : Scenario
{
    private const string Cluster = "storm";
    private const int PerNodePerSecond = 40;
    private static readonly TimeSpan Storm = TimeSpan.FromSeconds(8);
    private readonly Dictionary<int, (long Retried, long Denied)> _before = [];
    private readonly Dictionary<int, (long Retried, long Denied)> _after = [];
    private readonly Dictionary<int, (int Sent, int Answered503)> _storm = [];
    private double _seconds;

    public override string Name => "retry-storm";

    protected override bool WritesChanges => false;

    protected override async Task ActAsync()
    {
        foreach (var i in Balancers)
        {
            _before[i] = await Target.Admin.RetriesAsync(i, Cluster) ?? throw new ChaosException($"node {i} shows no retries for cluster {Cluster}");
        }

        Say($"every request to cluster {Cluster} fails with 503: {PerNodePerSecond} a second through each node for {Storm.TotalSeconds:0} s");
        var started = Now();
        var results = await Task.WhenAll(Balancers.Select(async i => (Node: i, Answers: await StormAsync(i))));
        _seconds = (Now() - started) / 1000.0;
        foreach (var (node, answers) in results)
        {
            _storm[node] = (answers.Count, answers.Count(a => a == 503));
            _after[node] = await Target.Admin.RetriesAsync(node, Cluster) ?? throw new ChaosException($"node {node} did not answer its status");
        }
    }

    private async Task<List<int>> StormAsync(int node)
    {
        var sent = new List<Task<(int Status, string? Backend)>>();
        var interval = TimeSpan.FromSeconds(1.0 / PerNodePerSecond);
        var end = DateTime.UtcNow + Storm;
        while (DateTime.UtcNow < end)
        {
            sent.Add(Target.Admin.ProxyGetAsync(node, "/storm/status/503", TimeSpan.FromSeconds(5)));
            await Task.Delay(interval);
        }

        return (await Task.WhenAll(sent)).Select(a => a.Status).ToList();
    }

    protected override void Judge(LoadReport report)
    {
        var over = new List<string>();
        long retried = 0, denied = 0, sent = 0;
        foreach (var node in Balancers)
        {
            var nodeRetried = _after[node].Retried - _before[node].Retried;
            var nodeDenied = _after[node].Denied - _before[node].Denied;
            var (nodeSent, _) = _storm[node];
            // The budget's own rule: 20 % of the requests in its window, and 10 retries in any second.
            var allowed = (0.20 * nodeSent) + (10 * (Math.Ceiling(_seconds) + 1));
            if (nodeRetried > allowed)
            {
                over.Add($"node {node}: {nodeRetried} retries for {nodeSent} requests, {allowed:0} allowed");
            }

            retried += nodeRetried;
            denied += nodeDenied;
            sent += nodeSent;
        }

        var answered503 = _storm.Values.Sum(s => s.Answered503);
        Result.Measures["storm-requests"] = sent;
        Result.Measures["storm-retries"] = retried;
        Result.Measures["storm-denied"] = denied;
        Result.Measures["amplification"] = sent == 0 ? 0 : Math.Round((sent + retried) / (double)sent, 2);
        Result.Require("every node's retries stay within its budget", over.Count == 0 && sent > 0, over.Count == 0 ? $"{retried} retries for {sent} requests" : string.Join("; ", over));
        Result.Require("the budget refused the retries beyond it", denied > 0, $"{denied} refused");
        Result.Require("clients get the backends' own 503", answered503 == sent, $"{answered503} of {sent} answered 503");
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
    }
}
