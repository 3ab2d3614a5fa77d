using System.Diagnostics;
using ClusterLB.Chaos.Load;
using ClusterLB.Chaos.Targets;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>
/// A fault under steady load: prepare the cluster, start the load (and, for most, an operator making
/// changes), act, let it settle, then judge the client's report and the cluster against thresholds.
/// </summary>
public abstract class Scenario
{
    /// <summary>Every scenario, in the order <c>all</c> runs them.</summary>
    public static IReadOnlyDictionary<string, Func<Scenario>> All { get; } = new Dictionary<string, Func<Scenario>>
    {
        ["node-kill"] = () => new NodeKill(),
        ["writer-kill"] = () => new WriterKill(),
        ["node-pause"] = () => new NodePause(),
        ["partition"] = () => new Partition(),
        ["backend-kill"] = () => new BackendKill(),
        ["backend-slow"] = () => new BackendSlow(),
        ["drain"] = () => new Drain(),
        ["retry-storm"] = () => new RetryStorm(),
        ["journal-down"] = () => new JournalDown(),
        ["rolling-restart"] = () => new RollingRestart(),
        ["full-restart"] = () => new FullRestart(),
        ["scale-out"] = () => new ScaleOut(),
    };

    protected static readonly TimeSpan Warmup = TimeSpan.FromSeconds(5);
    protected static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);
    protected static readonly TimeSpan NodeStart = TimeSpan.FromSeconds(120);
    protected static readonly int[] Balancers = Enumerable.Range(1, ChaosTarget.Size).ToArray();

    protected ChaosTarget Target { get; private set; } = null!;

    protected ScenarioResult Result { get; private set; } = null!;

    protected ChangeWriter? Changes { get; private set; }

    private TextWriter _log = TextWriter.Null;
    private Stopwatch _clock = new();

    public abstract string Name { get; }

    /// <summary>Whether an operator makes routing-table changes throughout.</summary>
    protected virtual bool WritesChanges => true;

    /// <summary>Backends the scenario breaks: keys may leave these once.</summary>
    protected virtual ISet<string> FaultedBackends { get; } = new HashSet<string>();

    protected virtual LoadSettings Load => new();

    public async Task<ScenarioResult> RunAsync(ChaosTarget target, string results, TextWriter log)
    {
        Target = target;
        _log = log;
        _clock = Stopwatch.StartNew();
        Result = new ScenarioResult { Scenario = Name, Target = target.Kind };
        ILoadRun? load = null;
        try
        {
            Say("preparing the cluster");
            await target.PrepareAsync(Name);
            Result.TableVersionBefore = (await target.Admin.TableAsync(1))?.Version;
            Say("starting load");
            load = await target.StartLoadAsync(Name, Load);
            if (WritesChanges)
            {
                Changes = new ChangeWriter(target, $"chaos-{Name}");
                Changes.Start();
            }

            await Task.Delay(Warmup);
            await ActAsync();
            if (Changes is not null)
            {
                await Changes.StopAsync();
            }

            await Task.Delay(Settle);
            var report = await load.StopAsync();
            load = null;
            Directory.CreateDirectory(Path.Combine(results, Name));
            await report.WriteAsync(Path.Combine(results, Name, "load.json"));
            LoadAnalysis.Count(report, Result, FaultedBackends);
            Result.TableVersionAfter = (await target.Admin.TableAsync(1))?.Version;
            if (Changes is not null)
            {
                Result.ChangesAcknowledged = Changes.Acknowledged.Count;
                Result.ChangesPresentAfter = await Changes.PresentOnAllAsync(Balancers, TimeSpan.FromSeconds(20));
            }

            Judge(report);
            if (Changes is not null)
            {
                await Changes.CleanUpAsync(1);
            }
        }
        catch (ChaosException e)
        {
            Result.Error = e.Message;
        }
        finally
        {
            if (load is not null)
            {
                await load.StopAsync();
            }

            if (Changes is not null)
            {
                await Changes.StopAsync();
            }

            Result.DurationSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 1);
        }

        return Result;
    }

    /// <summary>Injects the fault and measures detection and recovery.</summary>
    protected abstract Task ActAsync();

    /// <summary>Adds the scenario's checks; the common ones are below.</summary>
    protected abstract void Judge(LoadReport report);

    protected void Say(string what) => _log.WriteLine($"   [{Name} {_clock.Elapsed.TotalSeconds,5:0.0} s] {what}");

    protected static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    protected static double Seconds(long from, long to) => Math.Round((to - from) / 1000.0, 1);

    protected void RequireNoFailedRequests() =>
        Result.Require("no failed requests", Result.Failed == 0, $"{Result.Failed} of {Result.Sent} failed");

    protected void RequireNoAffinityViolations() =>
        Result.Require("no affinity violations", Result.AffinityViolations == 0, $"{Result.AffinityViolations} over {Result.AffinityKeys} keys");

    protected void RequireNoChangeLost() =>
        Result.Require(
            "no acknowledged change lost",
            Result.ChangesAcknowledged > 0 && Result.ChangesPresentAfter == Result.ChangesAcknowledged,
            $"{Result.ChangesAcknowledged} acknowledged, {Result.ChangesPresentAfter} on every node after");

    /// <summary>A node other than the writer's host, so that a fault there does not also move the writer.</summary>
    protected async Task<int> OrdinaryNodeAsync()
    {
        var writer = await Target.WriterNodeAsync();
        return Balancers.Last(i => i != writer);
    }

    /// <summary>Waits until every node in <paramref name="observers"/> sees fewer than three reachable Up members.</summary>
    protected async Task<long> WaitUntilSeenDownAsync(IEnumerable<int> observers, TimeSpan timeout)
    {
        await Poll.UntilAsync(async () =>
        {
            foreach (var observer in observers)
            {
                if ((await Target.Admin.MembersAsync(observer)) is not { ReachableUp: < ChaosTarget.Size })
                {
                    return false;
                }
            }

            return true;
        }, timeout, "the other nodes to see the node gone");
        return Now();
    }

    /// <summary>Waits until node 1 applies a health verdict newer than <paramref name="version"/>; when, or null.</summary>
    protected async Task<long?> WaitForVerdictAsync(long version, TimeSpan timeout)
    {
        var changed = await Poll.TryUntilAsync(async () => (await Target.Admin.ViewAsync(1))?.VerdictVersion > version, timeout, TimeSpan.FromMilliseconds(50));
        return changed ? Now() : null;
    }

    protected async Task<long> VerdictVersionAsync() => (await Target.Admin.ViewAsync(1))?.VerdictVersion ?? -1;

    protected async Task<long> WaitReadyAsync(int node)
    {
        await Target.WaitReadyAsync(NodeStart, node);
        return Now();
    }
}
