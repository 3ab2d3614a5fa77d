using ClusterLB.Chaos.Load;
using ClusterLB.Chaos.Targets;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>SIGKILL a backend for 10 s, then start it again.</summary>
public sealed class BackendKill : Scenario
{
    private const int Victim = 2;
    private long _killed;
    private long _restarted;

    public override string Name => "backend-kill";

    protected override bool WritesChanges => false;

    protected override ISet<string> FaultedBackends { get; } = new HashSet<string> { ChaosTarget.BackendName(Victim) };

    protected override async Task ActAsync()
    {
        var verdicts = await VerdictVersionAsync();
        Say($"SIGKILL backend {Victim}");
        _killed = Now();
        await Target.KillBackendAsync(Victim);
        if (await WaitForVerdictAsync(verdicts, TimeSpan.FromSeconds(10)) is { } verdict)
        {
            Result.DetectSeconds = Seconds(_killed, verdict);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, _killed + 10_000 - Now())));
        _restarted = Now();
        await Target.StartBackendAsync(Victim);
        Say($"started backend {Victim}");
        await Task.Delay(TimeSpan.FromSeconds(10));
    }

    protected override void Judge(LoadReport report)
    {
        var victim = ChaosTarget.BackendName(Victim);
        Result.DetectMeans = "until the cluster's verdict reached node 1 (connect failures are retried on another backend meanwhile)";
        if (LoadAnalysis.LastFailureFrom(report, _killed) is { } last)
        {
            Result.Measures["last-failure-s"] = Seconds(_killed, last);
        }

        var back = report.Requests.FirstOrDefault(r => r.At >= _restarted && r.Backend == victim);
        Result.RecoverSeconds = back is null ? null : Seconds(_restarted, back.At);
        Result.RecoverMeans = $"from the restart until {victim} answers requests again";
        var late = LoadAnalysis.FailuresFrom(report, _killed + 1000);
        Result.Require("no failed requests after the first second", late == 0, $"{late} failed after the first second, {Result.Failed} in all");
        Result.Require("the cluster marks the backend down within 10 s", Result.DetectSeconds is not null, Result.DetectSeconds is null ? "no verdict" : $"after {Result.DetectSeconds} s");
        Result.Require("the backend serves again after its restart", back is not null, back is null ? "no answer from it after the restart" : "yes");
        RequireNoAffinityViolations();
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
