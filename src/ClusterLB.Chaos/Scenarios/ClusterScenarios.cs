using ClusterLB.Chaos.Load;
using ClusterLB.Chaos.Targets;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>The journal (PostgreSQL) stopped for 30 s: traffic unaffected, writes refused with the reason, then accepted again.</summary>
public sealed class JournalDown : Scenario
{
    private long _stopped;
    private long _started;

    public override string Name => "journal-down";

    protected override async Task ActAsync()
    {
        Say("stopping the journal for 30 s");
        _stopped = Now();
        await Target.StopJournalAsync();
        await Task.Delay(TimeSpan.FromSeconds(30));
        _started = Now();
        await Target.StartJournalAsync();
        Say("journal started");
        await Poll.TryUntilAsync(() => Task.FromResult(Changes!.Acknowledged.Any(a => a.At > _started)), TimeSpan.FromSeconds(60));
        var first = Changes!.Acknowledged.Where(a => a.At > _started).Select(a => (long?)a.At).Min();
        Result.RecoverSeconds = first is null ? null : Seconds(_started, first.Value);
        Result.RecoverMeans = "from PostgreSQL's start until a change is accepted again";
    }

    protected override void Judge(LoadReport report)
    {
        RequireNoFailedRequests();
        // A change may still be acknowledged for a moment after the stop (the connection was in use).
        var during = Changes!.Refused.Where(r => r.At >= _stopped + 3000 && r.At < _started).ToList();
        var withReason = during.Count(r => r.Status == 503 && r.Body.Contains("journal unavailable", StringComparison.Ordinal));
        var acceptedDuring = Changes.Acknowledged.Count(a => a.At >= _stopped + 3000 && a.At < _started);
        Result.Measures["writes-refused"] = during.Count;
        Result.Require("writes answer 503 \"journal unavailable\" while it is down",
            during.Count > 0 && withReason == during.Count && acceptedDuring == 0,
            $"{withReason} of {during.Count} refusals name the journal; {acceptedDuring} accepted while down" +
            (during.FirstOrDefault(r => r.Status != 503 || !r.Body.Contains("journal unavailable", StringComparison.Ordinal)) is { Body: { } odd } ? $"; e.g. '{odd}'" : ""));
        Result.Require("writes accepted again after it returns", Result.RecoverSeconds is not null, Result.RecoverSeconds is null ? "none within 60 s" : $"after {Result.RecoverSeconds} s");
        RequireNoChangeLost();
    }
}

/// <summary>Each balancer in turn: SIGTERM (withdraw, drain, leave), start, wait until ready.</summary>
public sealed class RollingRestart : Scenario
{
    public override string Name => "rolling-restart";

    protected override async Task ActAsync()
    {
        var started = Now();
        foreach (var node in Balancers)
        {
            Say($"restarting node {node}");
            await Target.TerminateNodeAsync(node);
            await Target.StartNodeAsync(node);
            await WaitReadyAsync(node);
        }

        Result.RecoverSeconds = Seconds(started, Now());
        Result.RecoverMeans = "the whole rolling restart";
    }

    protected override void Judge(LoadReport report)
    {
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
        RequireNoChangeLost();
    }
}

/// <summary>Every balancer stopped, then started: the cluster comes back with the same table.</summary>
public sealed class FullRestart : Scenario
{
    private (long Version, IReadOnlySet<string> Routes)? _before;
    private (long Version, IReadOnlySet<string> Routes)? _after;

    public override string Name => "full-restart";

    protected override bool WritesChanges => false;

    protected override async Task ActAsync()
    {
        // One change first, so the table is more than the seeded configuration.
        var (status, body) = await Target.Admin.PutRouteAsync(1, "chaos-full-restart");
        if (status != 200)
        {
            throw new ChaosException($"could not add a route before the restart: {status} {body}");
        }

        await Poll.TryUntilAsync(async () => (await Target.Admin.TableAsync(3))?.Routes.Contains("chaos-full-restart") == true, TimeSpan.FromSeconds(10));
        _before = await Target.Admin.TableAsync(1);
        Say($"stopping every node (table v{_before?.Version})");
        var stopped = Now();
        await Task.WhenAll(Balancers.Select(Target.TerminateNodeAsync));
        foreach (var node in Balancers)
        {
            await Target.StartNodeAsync(node);
        }

        await Target.WaitReadyAsync(NodeStart, Balancers);
        Result.RecoverSeconds = Seconds(stopped, Now());
        Result.RecoverMeans = "from stopping every node until all are ready again";
        _after = await Target.Admin.TableAsync(1);
        await Target.Admin.DeleteRouteAsync(1, "chaos-full-restart");
    }

    protected override void Judge(LoadReport report)
    {
        Result.Require("configuration intact", _before is not null && _after is not null && _before.Value.Version == _after.Value.Version && _before.Value.Routes.SetEquals(_after.Value.Routes),
            $"before v{_before?.Version} with {_before?.Routes.Count} routes, after v{_after?.Version} with {_after?.Routes.Count}");
        // Not a threshold: affinity overrides live in memory only, so after every node has stopped, keys
        // that earlier failures had moved go back to their home backends (reported as violations).
    }
}

/// <summary>A fourth node joins under load, serves, agrees with the others on every sampled key, then leaves (SIGTERM).</summary>
public sealed class ScaleOut : Scenario
{
    private const int SampledKeys = 100;
    private double? _serveSeconds;
    private int _agreed;
    private int _sampled;

    public override string Name => "scale-out";

    protected override async Task ActAsync()
    {
        var node = ChaosTarget.ScaleOutNode;
        Say($"adding node {node}");
        var added = Now();
        await Target.StartNodeAsync(node);
        if (await Poll.TryUntilAsync(async () => await Target.Admin.ReadyAsync(node) && await Target.Admin.BackendForKeyAsync(node, "key-0") is not null, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100)))
        {
            _serveSeconds = Seconds(added, Now());
        }

        for (var k = 0; k < SampledKeys; k++)
        {
            var key = $"key-{k}";
            var there = await Target.Admin.BackendForKeyAsync(node, key);
            var here = await Target.Admin.BackendForKeyAsync(1 + (k % ChaosTarget.Size), key);
            _sampled++;
            _agreed += there is not null && there == here ? 1 : 0;
        }

        await Task.Delay(TimeSpan.FromSeconds(3)); // the load client's resolver sends it a share
        Say($"removing node {node} (SIGTERM)");
        await Target.TerminateNodeAsync(node);
        Result.RecoverSeconds = _serveSeconds;
        Result.RecoverMeans = $"from starting node {node} until it is ready and proxies";
    }

    protected override void Judge(LoadReport report)
    {
        Result.Require("the new node serves within 10 s", _serveSeconds <= 10, _serveSeconds is null ? "it never served" : $"after {_serveSeconds} s");
        Result.Require("the new node agrees on every sampled key", _sampled == SampledKeys && _agreed == _sampled, $"{_agreed} of {_sampled} keys answered by the same backend");
        RequireNoFailedRequests();
        RequireNoAffinityViolations();
        RequireNoChangeLost();
    }
}
