using System.Collections.Frozen;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using ClusterLB.Cluster.Membership;
using ClusterLB.Core.RateLimiting;

namespace ClusterLB.Cluster.RateLimiting;

/// <summary>
/// One per node: moves each rate-limited key's share of its cluster-wide limit to where the key's
/// requests arrive. Every interval it takes the proxy's demand per key, sends the busiest keys to the
/// other live nodes' exchanges (direct messages, no store), and hands the proxy a new
/// <see cref="ShareTable"/> built from the latest report of every live node. A node that becomes
/// unreachable drops out at once, so the survivors split the limit among themselves. A node without
/// demand says so once and then only every <see cref="QuietResend"/> intervals, and hands the proxy a
/// new table only when something changed: an idle cluster exchanges next to nothing.
/// </summary>
public sealed class RateLimitShareExchange : ReceiveActor, IWithTimers
{
    /// <summary>Name of the actor under <c>/user</c>, the same on every node so peers can address it.</summary>
    public const string Name = "rate-limit-shares";

    /// <summary>How often demand is exchanged and shares move.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>Every how many intervals a node without demand repeats its empty report.</summary>
    public const int QuietResend = 20;

    /// <summary>Most keys in one report: about 16 bytes each on the wire.</summary>
    public const int MaxReportedKeys = 4096;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly IRateLimitDemand _demand;
    private readonly BalancerMembers _members = new();
    private readonly Dictionary<string, DemandReport> _reports = [];
    private readonly string _self;
    private int _sinceEmptyReport = -1; // intervals since this node last sent a report without demand; -1 while it has demand
    private bool _changed = true;

    /// <summary>Creates the exchange; see <see cref="Props"/>.</summary>
    public RateLimitShareExchange(IRateLimitDemand demand)
    {
        _demand = demand;
        _self = _cluster.SelfAddress.ToString();
        Receive<ClusterEvent.CurrentClusterState>(OnMembership);
        Receive<ClusterEvent.IClusterDomainEvent>(OnMembership);
        Receive<DemandReport>(OnReport);
        Receive<Exchange>(_ => OnExchange());
    }

    /// <summary>Timers of this actor.</summary>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props of the exchange for the proxy's <paramref name="demand"/>.</summary>
    public static Props Props(IRateLimitDemand demand) => Akka.Actor.Props.Create(() => new RateLimitShareExchange(demand));

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("exchange", Exchange.Instance, Interval);
    }

    /// <inheritdoc />
    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnMembership(object change)
    {
        if (!_members.Apply(change))
        {
            return;
        }

        foreach (var gone in _reports.Keys.Where(a => !_members.Reachable.Contains(a)).ToList())
        {
            _reports.Remove(gone);
        }

        _log.Info("Rate limits are shared among {0} live nodes", LiveNodes);
        _changed = true;
        Publish();
    }

    private void OnReport(DemandReport report)
    {
        if (report.From != _self && _members.Reachable.Contains(report.From) && report.Keys.Length == report.Demands.Length)
        {
            _reports[report.From] = report;
            _changed = true;
        }
    }

    private void OnExchange()
    {
        var demand = _demand.TakeDemand();
        if (demand.Count == 0)
        {
            // Peers keep the last report they had from this node: one empty report tells them it has none.
            if (_sinceEmptyReport is >= 0 and < QuietResend)
            {
                _sinceEmptyReport++;
                if (_changed)
                {
                    Publish();
                }

                return;
            }

            _sinceEmptyReport = 0;
        }
        else
        {
            _sinceEmptyReport = -1;
        }

        var busiest = demand.Count <= MaxReportedKeys
            ? demand.ToList()
            : demand.OrderByDescending(pair => pair.Value).Take(MaxReportedKeys).ToList();
        var report = new DemandReport(
            _self,
            busiest.Select(pair => pair.Key).ToArray(),
            busiest.Select(pair => pair.Value).ToArray(),
            demand.Count > MaxReportedKeys ? busiest[^1].Value : 0);
        foreach (var peer in _members.Reachable.Where(a => a != _self))
        {
            Context.ActorSelection($"{peer}/user/{Name}").Tell(report);
        }

        Publish();
    }

    private int LiveNodes => _members.Reachable.Contains(_self) ? _members.Reachable.Length : _members.Reachable.Length + 1;

    private void Publish()
    {
        _changed = false;
        var others = new Dictionary<ulong, double>();
        var unreported = 0.0;
        foreach (var report in _reports.Values)
        {
            unreported += report.Unreported;
            for (var i = 0; i < report.Keys.Length; i++)
            {
                others[report.Keys[i]] = others.GetValueOrDefault(report.Keys[i]) + report.Demands[i];
            }
        }

        _demand.Rebalance(new ShareTable(LiveNodes, others.ToFrozenDictionary(), unreported));
    }

    private sealed class Exchange
    {
        public static readonly Exchange Instance = new();
    }
}
