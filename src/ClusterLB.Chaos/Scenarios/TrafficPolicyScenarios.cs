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
