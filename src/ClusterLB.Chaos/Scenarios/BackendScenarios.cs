using ClusterLB.Chaos.Load;
using ClusterLB.Chaos.Targets;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>
/// SIGKILL a backend for 10 s, then start it again. Idempotent requests caught by the kill, and new
/// ones sent before the verdict, are retried on another backend (docs/configuration.md, Retries), so
/// the client sees no failure; after the verdict no node sends the dead backend anything (no node
/// retries away from it any more); back, it ramps up with the plain cluster's slow start.
/// </summary>
public sealed class BackendKill : Scenario
{
    private const int Victim = 2;
    private static readonly string[] VictimClusters = ["app", "sticky", "keyed"];
    private static readonly TimeSpan SlowStart = TimeSpan.FromSeconds(6); // deploy/local/cluster.json, cluster app
    private long _killed;
    private long _restarted;
    private long? _afterVerdict;
    private readonly List<string> _sentToDeadAfterVerdict = [];

    public override string Name => "backend-kill";

    protected override bool WritesChanges => false;

    protected override ISet<string> FaultedBackends { get; } = new HashSet<string> { ChaosTarget.BackendName(Victim) };

    protected override async Task ActAsync()
    {
        var verdicts = await VerdictVersionAsync();
        Say($"SIGKILL backend {Victim}");
        _killed = Now();
        await Target.KillBackendAsync(Victim);
        Dictionary<int, (long Retried, long Denied)?> atVerdict = [];
        if (await WaitForVerdictAsync(verdicts, TimeSpan.FromSeconds(10)) is { } verdict)
        {
            Result.DetectSeconds = Seconds(_killed, verdict);
        }

        // Each cluster judges its own destination (the plain one from failed traffic, the others by
        // their probes); once every node has all of them out, none may try the dead backend.
        var victim = ChaosTarget.BackendName(Victim);
        if (await Poll.TryUntilAsync(() => AllOutAsync(victim), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100)))
        {
            _afterVerdict = Now();
            Result.Measures["all-verdicts-s"] = Seconds(_killed, _afterVerdict.Value);
            foreach (var node in Balancers)
            {
                atVerdict[node] = await Target.Admin.RetriesAsync(node, VictimClusters);
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, _killed + 10_000 - Now())));
        foreach (var (node, before) in atVerdict)
        {
            var now = await Target.Admin.RetriesAsync(node, VictimClusters);
            if (before is null || now is null || now.Value.Retried + now.Value.Denied != before.Value.Retried + before.Value.Denied)
            {
                _sentToDeadAfterVerdict.Add($"node {node}: {(before is null || now is null ? "no retry counters" : $"{now.Value.Retried + now.Value.Denied - before.Value.Retried - before.Value.Denied} attempts")}");
            }
        }

        _restarted = Now();
        await Target.StartBackendAsync(Victim);
        Say($"started backend {Victim}");
        await Task.Delay(TimeSpan.FromSeconds(14));
    }

    private async Task<bool> AllOutAsync(string destination)
    {
        foreach (var node in Balancers)
        {
            if (await Target.Admin.DestinationHealthAsync(node, destination) is not { } health
                || VictimClusters.Any(c => health.GetValueOrDefault(c) != "Unhealthy"))
            {
                return false;
            }
        }

        return true;
    }

    protected override void Judge(LoadReport report)
    {
        var victim = ChaosTarget.BackendName(Victim);
        Result.DetectMeans = "until the cluster's verdict reached node 1 (failed attempts are retried on another backend meanwhile)";
        if (LoadAnalysis.LastFailureFrom(report, _killed) is { } last)
        {
            Result.Measures["last-failure-s"] = Seconds(_killed, last);
        }

        var back = report.Requests.FirstOrDefault(r => r.At >= _restarted && r.Backend == victim);
        Result.RecoverSeconds = back is null ? null : Seconds(_restarted, back.At);
        Result.RecoverMeans = $"from the restart until {victim} answers requests again";
        Result.Require("the cluster marks the backend down within 10 s", Result.DetectSeconds is not null, Result.DetectSeconds is null ? "no verdict" : $"after {Result.DetectSeconds} s");
        Result.Require(
            "no node sends the dead backend a request after the verdict",
            _afterVerdict is not null && _sentToDeadAfterVerdict.Count == 0,
            _afterVerdict is null ? "not out on every node within 10 s" : _sentToDeadAfterVerdict.Count == 0 ? "no attempt on any node" : string.Join("; ", _sentToDeadAfterVerdict));
        Result.Require("the backend serves again after its restart", back is not null, back is null ? "no answer from it after the restart" : "yes");
        if (back is not null)
        {
            // Its share of the plain cluster's requests right after it came back, against its share once the ramp is over.
            var plain = report.Requests.Where(r => r.Key is null && r.Ok && r.Backend is not null && r.At >= back.At).ToList();
            var early = Share(plain.Where(r => r.At < back.At + 1500), victim);
            var late = Share(plain.Where(r => r.At >= back.At + (long)SlowStart.TotalMilliseconds + 500), victim);
            Result.Measures["share-first-1.5s"] = Math.Round(early * 100, 1);
            Result.Measures["share-after-ramp"] = Math.Round(late * 100, 1);
            Result.Require(
                "it ramps back in with slow start",
                late > 0 && early < 0.6 * late,
                $"{early:P0} of the plain requests in its first 1.5 s back, {late:P0} after the ramp");
        }

        RequireNoFailedRequests();
        RequireNoAffinityViolations();
    }

    private static double Share(IEnumerable<RequestRecord> requests, string backend)
    {
        var list = requests.ToList();
        return list.Count == 0 ? 0 : list.Count(r => r.Backend == backend) / (double)list.Count;
    }
}

/// <summary>Backend 1 answers 1.5 s late (its health checks time out) for 12 s, then normally again.</summary>
public sealed class BackendSlow : Scenario
{
    private const int Victim = 1;
    private const int LatencyMs = 1500;
    private long _slowed;
    private long _restored;

    public override string Name => "backend-slow";

    protected override bool WritesChanges => false;

    protected override ISet<string> FaultedBackends { get; } = new HashSet<string> { ChaosTarget.BackendName(Victim) };

    protected override async Task ActAsync()
    {
        var verdicts = await VerdictVersionAsync();
        Say($"backend {Victim} now answers {LatencyMs} ms late");
        _slowed = Now();
        await Target.SetBackendLatencyAsync(Victim, LatencyMs);
        if (await WaitForVerdictAsync(verdicts, TimeSpan.FromSeconds(12)) is { } verdict)
        {
            Result.DetectSeconds = Seconds(_slowed, verdict);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, _slowed + 12_000 - Now())));
        _restored = Now();
        await Target.SetBackendLatencyAsync(Victim, 0);
        Say($"backend {Victim} answers normally again");
        await Task.Delay(TimeSpan.FromSeconds(10));
    }

    protected override void Judge(LoadReport report)
    {
        var victim = ChaosTarget.BackendName(Victim);
        var slow = report.Requests.Where(r => r.At >= _slowed && r.At < _restored && r.LatencyMs >= LatencyMs).Select(r => (long?)r.At).Max();
        Result.DetectMeans = "until the cluster's verdict reached node 1";
        var avoidedAfter = slow is null ? 0 : Seconds(_slowed, slow.Value);
        Result.Measures["last-slow-request-s"] = avoidedAfter;
        Result.Measures["slow-requests"] = report.Requests.Count(r => r.At >= _slowed && r.At < _restored && r.LatencyMs >= LatencyMs);
        var back = report.Requests.FirstOrDefault(r => r.At >= _restored && r.Backend == victim);
        Result.RecoverSeconds = back is null ? null : Seconds(_restored, back.At);
        Result.RecoverMeans = $"from the end of the latency until {victim} answers requests again";
        Result.Require("the slow backend is avoided within 10 s", Result.DetectSeconds is not null && avoidedAfter <= 10,
            $"verdict after {Result.DetectSeconds?.ToString() ?? "never"} s, last slow answer sent {avoidedAfter} s after the latency began");
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
    }
}
