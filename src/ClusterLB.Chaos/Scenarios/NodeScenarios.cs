using ClusterLB.Chaos.Load;
using ClusterLB.Chaos.Targets;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>SIGKILL a balancer (not the writer's host); its supervisor or the runner starts it again.</summary>
public class NodeKill : Scenario
{
    public override string Name => "node-kill";

    protected virtual Task<int> VictimAsync() => OrdinaryNodeAsync();

    protected override async Task ActAsync()
    {
        var victim = await VictimAsync();
        Say($"SIGKILL node {victim}");
        var killed = Now();
        await Target.KillNodeAsync(victim);
        var seen = await WaitUntilSeenDownAsync(Balancers.Where(i => i != victim), TimeSpan.FromSeconds(30));
        Result.DetectSeconds = Seconds(killed, seen);
        Result.DetectMeans = $"the other nodes find node {victim} unreachable";
        await AfterDetectedAsync(victim, killed);
        await Target.StartNodeAsync(victim);
        Result.RecoverSeconds = Seconds(killed, await WaitReadyAsync(victim));
        Result.RecoverMeans = $"node {victim} restarted, rejoined and ready";
    }

    protected virtual Task AfterDetectedAsync(int victim, long killed) => Task.CompletedTask;

    protected override void Judge(LoadReport report)
    {
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
        RequireNoChangeLost();
    }
}

/// <summary>SIGKILL the node hosting the routing-table writer while changes are being made.</summary>
public sealed class WriterKill : NodeKill
{
    private long _killed;

    public override string Name => "writer-kill";

    protected override Task<int> VictimAsync() => Target.WriterNodeAsync();

    protected override async Task AfterDetectedAsync(int victim, long killed)
    {
        _killed = killed;
        // Writes resume once the singleton has moved: keep the operator going until they do.
        await Poll.TryUntilAsync(() => Task.FromResult(Changes!.Acknowledged.Any(a => a.At > killed)), TimeSpan.FromSeconds(40));
    }

    protected override void Judge(LoadReport report)
    {
        base.Judge(report);
        var before = Changes!.Acknowledged.Where(a => a.At <= _killed).Select(a => a.At).DefaultIfEmpty(_killed).Max();
        var after = Changes.Acknowledged.Where(a => a.At > _killed).Select(a => (long?)a.At).Min();
        if (after is { } resumed)
        {
            Result.Measures["writes-unavailable-s"] = Seconds(before, resumed);
        }

        Result.Require("changes accepted again after the writer moved", after is not null,
            after is null ? "no change acknowledged after the kill" : $"first acknowledged {Seconds(_killed, after.Value)} s after the kill");
    }
}

/// <summary>SIGSTOP a balancer for 15 s: long enough for the others to down it; it must come back by itself.</summary>
public sealed class NodePause : Scenario
{
    public override string Name => "node-pause";

    protected override async Task ActAsync()
    {
        var victim = await OrdinaryNodeAsync();
        Say($"pausing node {victim} for 15 s");
        var paused = Now();
        await Target.PauseNodeAsync(victim);
        var seen = await WaitUntilSeenDownAsync(Balancers.Where(i => i != victim), TimeSpan.FromSeconds(15));
        Result.DetectSeconds = Seconds(paused, seen);
        Result.DetectMeans = $"the other nodes find node {victim} unreachable";
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, paused + 15_000 - Now())));
        var resumed = Now();
        await Target.ResumeNodeAsync(victim);
        Say($"resumed node {victim}");
        // Downed while frozen, it exits with code 4 and its supervisor starts it again.
        Result.RecoverSeconds = Seconds(resumed, await WaitReadyAsync(victim));
        Result.RecoverMeans = $"from SIGCONT until node {victim} is a ready member again";
    }

    protected override void Judge(LoadReport report)
    {
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
        RequireNoChangeLost();
    }
}

/// <summary>Cut one balancer off from the others' cluster traffic for 20 s, then heal.</summary>
public sealed class Partition : Scenario
{
    private static readonly TimeSpan UnreadyWithin = TimeSpan.FromSeconds(10);
    private double? _unreadySeconds;

    public override string Name => "partition";

    protected override async Task ActAsync()
    {
        var victim = await OrdinaryNodeAsync();
        Say($"cutting node {victim} off");
        var cut = Now();
        await Target.IsolateNodeAsync(victim);
        if (await Poll.TryUntilAsync(async () => !await Target.Admin.ReadyAsync(victim), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)))
        {
            _unreadySeconds = Seconds(cut, Now());
        }

        var seen = await WaitUntilSeenDownAsync(Balancers.Where(i => i != victim), TimeSpan.FromSeconds(30));
        Result.DetectSeconds = Seconds(cut, seen);
        Result.DetectMeans = $"the majority finds node {victim} unreachable";
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, cut + 20_000 - Now())));
        var healed = Now();
        await Target.HealNodeAsync(victim);
        Say($"healed node {victim}");
        Result.RecoverSeconds = Seconds(healed, await WaitReadyAsync(victim));
        Result.RecoverMeans = $"from the heal until node {victim} is a ready member again, with no manual action";
    }

    protected override void Judge(LoadReport report)
    {
        if (_unreadySeconds is { } unready)
        {
            Result.Measures["unready-s"] = unready;
        }

        Result.Require("cut-off node unready within 10 s", _unreadySeconds <= UnreadyWithin.TotalSeconds,
            _unreadySeconds is null ? "it stayed ready" : $"unready after {_unreadySeconds} s");
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
        RequireNoChangeLost();
    }
}
