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
        Say($"SIGKILL backend {Victim}");
        _killed = Now();
        await Target.KillBackendAsync(Victim);
        await Task.Delay(TimeSpan.FromSeconds(10));
        _restarted = Now();
        await Target.StartBackendAsync(Victim);
        Say($"started backend {Victim}");
        await Task.Delay(TimeSpan.FromSeconds(10));
    }

    protected override void Judge(LoadReport report)
    {
        var victim = ChaosTarget.BackendName(Victim);
        var last = LoadAnalysis.LastFailureFrom(report, _killed);
        Result.DetectSeconds = last is null ? 0 : Seconds(_killed, last.Value);
        Result.DetectMeans = "until the last request that failed because of the dead backend";
        var back = report.Requests.FirstOrDefault(r => r.At >= _restarted && r.Backend == victim);
        Result.RecoverSeconds = back is null ? null : Seconds(_restarted, back.At);
        Result.RecoverMeans = $"from the restart until {victim} answers requests again";
        var late = LoadAnalysis.FailuresFrom(report, _killed + 1000);
        Result.Require("no failed requests after the first second", late == 0, $"{late} failed after the first second, {Result.Failed} in all");
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
        Say($"backend {Victim} now answers {LatencyMs} ms late");
        _slowed = Now();
        await Target.SetBackendLatencyAsync(Victim, LatencyMs);
        await Task.Delay(TimeSpan.FromSeconds(12));
        _restored = Now();
        await Target.SetBackendLatencyAsync(Victim, 0);
        Say($"backend {Victim} answers normally again");
        await Task.Delay(TimeSpan.FromSeconds(10));
    }

    protected override void Judge(LoadReport report)
    {
        var victim = ChaosTarget.BackendName(Victim);
        var slow = report.Requests.Where(r => r.At >= _slowed && r.At < _restored && r.LatencyMs >= LatencyMs).Select(r => (long?)r.At).Max();
        Result.DetectSeconds = slow is null ? 0 : Seconds(_slowed, slow.Value);
        Result.DetectMeans = "until the last request sent to the slow backend";
        var back = report.Requests.FirstOrDefault(r => r.At >= _restored && r.Backend == victim);
        Result.RecoverSeconds = back is null ? null : Seconds(_restored, back.At);
        Result.RecoverMeans = $"from the end of the latency until {victim} answers requests again";
        Result.Require("the slow backend is avoided within 10 s", Result.DetectSeconds <= 10, $"{Result.DetectSeconds} s");
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
    }
}
