using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;

namespace ClusterLB.Cluster.Membership;

/// <summary>
/// One per node: publishes this node's report every second while it has traffic or its versions
/// move, and every <see cref="QuietInterval"/> otherwise (each report is gossiped to every member, so
/// a quiet cluster stays quiet); and says loudly in the log when the node has not become a cluster
/// member (seeds unreachable, or a cluster of another name).
/// </summary>
public sealed class MemberReporter : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan JoinWarningAfter = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan JoiningWarningAfter = TimeSpan.FromSeconds(30);

    /// <summary>How often a node without traffic and without version changes publishes its report.</summary>
    public static readonly TimeSpan QuietInterval = TimeSpan.FromSeconds(5);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly IMemberReportSource _source;
    private readonly IReadOnlyList<string> _seeds;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private DateTimeOffset _lastJoinWarning = DateTimeOffset.MinValue;
    private bool _joined;
    private MemberReport? _published;

    /// <summary>Creates the reporter; see <see cref="Props"/>.</summary>
    public MemberReporter(IMemberReportSource source, IReadOnlyList<string> seeds)
    {
        _source = source;
        _seeds = seeds;
        Receive<Report>(_ => OnReport());
        Receive<UpdateSuccess>(_ => { });
        Receive<UpdateTimeout>(_ => { });
    }

    /// <summary>Timers of this actor.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of a reporter of <paramref name="source"/>'s reports.</summary>
    public static Props Props(IMemberReportSource source, IReadOnlyList<string> seeds) =>
        Akka.Actor.Props.Create(() => new MemberReporter(source, seeds));

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("report", Report.Instance, TimeSpan.FromSeconds(1));

    private void OnReport()
    {
        if (_cluster.SelfMember.Status != MemberStatus.Up)
        {
            // A node that was Up and now leaves (Leaving, Exiting) is not failing to join. A Joining node
            // has been answered; the leader moves it Up once every member has seen it, which a busy or
            // partly unreachable cluster delays.
            var now = DateTimeOffset.UtcNow;
            var status = _cluster.SelfMember.Status;
            var answered = status is MemberStatus.Joining or MemberStatus.WeaklyUp;
            var patience = answered ? JoiningWarningAfter : JoinWarningAfter;
            if (!_joined && now - _startedAt > patience && now - _lastJoinWarning > patience)
            {
                _lastJoinWarning = now;
                if (answered)
                {
                    _log.Warning(
                        "Still {0} cluster '{1}' after {2:0}s: a seed answered, but the leader has not moved this node Up (it waits until every reachable member has seen it; check /admin/cluster for unreachable members). Readiness stays 503 until the node is Up",
                        status, Context.System.Name, (now - _startedAt).TotalSeconds);
                }
                else
                {
                    _log.Warning(
                        "Not a member of cluster '{0}' after {1:0}s (status {2}): no seed answered ({3}). Check that the seeds run and use the cluster name '{0}'. Readiness stays 503 until the node joins",
                        Context.System.Name, (now - _startedAt).TotalSeconds, status, _seeds.Count == 0 ? "none configured" : string.Join(", ", _seeds));
                }
            }

            return;
        }

        _joined = true;
        var report = _source.Current();
        if (_published is { } last && IsQuiet(report, last) && report.At - last.At < QuietInterval)
        {
            return;
        }

        _published = report;
        var self = _cluster.SelfAddress.ToString();
        _replicator.Tell(Dsl.Update(MemberReports.Key, LWWDictionary<string, MemberReport>.Empty, WriteLocal.Instance,
            map => map.SetItem(_cluster, self, report)));
    }

    private static bool IsQuiet(MemberReport report, MemberReport last) =>
        report.Traffic is not { Requests: > 0 } && last.Traffic is not { Requests: > 0 } && report.Requests == last.Requests
        && report.TableVersion == last.TableVersion && report.VerdictVersion == last.VerdictVersion
        && report.Overrides == last.Overrides && report.ProxyErrors == last.ProxyErrors;

    private sealed record Report
    {
        public static Report Instance { get; } = new();
    }
}
