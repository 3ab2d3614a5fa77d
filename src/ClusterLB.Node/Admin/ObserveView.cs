using System.Globalization;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Core.Health;
using ClusterLB.Core.Observability;
using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>
/// What <c>GET /admin/observe</c> answers: the whole cluster as this node knows it from the members'
/// reports (Distributed Data, read locally) and its own proxy state. Rates and percentiles cover the
/// last <see cref="WindowSeconds"/> complete seconds.
/// </summary>
public sealed record ObserveDocument(
    DateTimeOffset At,
    string Node,
    int WindowSeconds,
    IReadOnlyList<ObservedNode> Nodes,
    IReadOnlyList<ObservedDestination> Destinations,
    IReadOnlyList<ObservedAffinity> Affinity);

/// <summary>One member: membership from the cluster, numbers from its report (null before its first report).</summary>
public sealed record ObservedNode(
    string? Node,
    string Address,
    string Status,
    bool Reachable,
    bool IsLeader,
    bool HostsRoutingTableWriter,
    double? RequestsPerSecond,
    double? ErrorRate,
    double? P50Ms,
    double? P99Ms,
    double? CpuPercent,
    double? MemoryMb,
    long? TableVersion,
    long? VerdictVersion,
    double? ReplicationLagSeconds,
    int? Overrides,
    double? ReportAgeSeconds)
{
    /// <summary>Routing-table versions this member runs behind the newest any member reports.</summary>
    public long? TableVersionsBehind { get; init; }

    /// <summary>Requests proxied since the member started.</summary>
    public long? Requests { get; init; }

    /// <summary>Requests the member's proxy answered with its own 502/503/504 since it started.</summary>
    public long? ProxyErrors { get; init; }
}

/// <summary>One destination: its state as this node applies it, what its probing owner saw, and its traffic through every node.</summary>
public sealed record ObservedDestination(
    string Cluster,
    string Destination,
    string Address,
    string Health,
    DestinationAdminState AdminState,
    double? Weight,
    string? ProbeOwner,
    IReadOnlyList<ObservedProbe> RecentProbes,
    ObservedPassive? Passive,
    ObservedEjection? Ejected,
    double RequestsPerSecond,
    double? P50Ms,
    double? P99Ms,
    double ErrorRate,
    IReadOnlyList<ObservedNodeTraffic> PerNode)
{
    /// <summary>Why the destination has its verdict (the last probe or traffic failure), from the verdict's owner.</summary>
    public string? HealthReason { get; init; }

    /// <summary>When the verdict was reached.</summary>
    public DateTimeOffset? HealthSince { get; init; }

    /// <summary>Since when the destination has its admin state.</summary>
    public DateTimeOffset? AdminStateSince { get; init; }
}

/// <summary>One health probe by the destination's owner.</summary>
public sealed record ObservedProbe(DateTimeOffset At, bool Ok, int? Status, double Ms, string? Error);

/// <summary>Every node's real-traffic results for a destination, as its owner judged them over the last <paramref name="Seconds"/>.</summary>
public sealed record ObservedPassive(int Requests, int Failures, int ConsecutiveFailures, int Seconds);

/// <summary>A destination out by outlier detection: until when, how many times, why.</summary>
public sealed record ObservedEjection(DateTimeOffset Until, int Ejections, string Reason);

/// <summary>A destination's traffic through one node.</summary>
public sealed record ObservedNodeTraffic(string Node, double RequestsPerSecond, double? P50Ms, double? P99Ms, double ErrorRate);

/// <summary>A cluster with session affinity: the overrides held for it and the evictions made.</summary>
public sealed record ObservedAffinity(string Cluster, int Overrides, long Evictions);

/// <summary>A member as the cluster knows it, without its report.</summary>
public sealed record ClusterMember(string Address, string Status, bool Reachable, bool IsLeader, bool HostsRoutingTableWriter);

/// <summary>Builds <see cref="ObserveDocument"/> from plain inputs, so it is tested without a cluster.</summary>
public static class ObserveView
{
    /// <summary>
    /// The document as of <paramref name="now"/> on <paramref name="self"/>: <paramref name="members"/> with their
    /// <paramref name="reports"/> (by address), the <paramref name="destinations"/> this node routes to with
    /// the verdicts it applies, probe owners among <paramref name="probers"/> (reachable Up balancers) and the affinity counts.
    /// </summary>
    public static ObserveDocument Build(
        DateTimeOffset now,
        string self,
        int windowSeconds,
        IReadOnlyList<ClusterMember> members,
        IReadOnlyDictionary<string, MemberReport> reports,
        IReadOnlyList<string> probers,
        IReadOnlyList<DestinationView> destinations,
        Func<string, ReplicatedVerdict?> verdictOf,
        IReadOnlyList<ObservedAffinity> affinity)
    {
        var newest = reports.Values.Select(r => r.TableVersion).DefaultIfEmpty(-1).Max();
        var nodes = members.Select(m => Node(now, m, reports.GetValueOrDefault(m.Address), newest)).ToList();

        // Reports of members still in the cluster, by node name, for the per-node traffic.
        var current = members.Select(m => reports.GetValueOrDefault(m.Address)).OfType<MemberReport>().ToList();
        var traffic = current
            .SelectMany(r => r.Destinations.Select(d => (Report: r, Traffic: d)))
            .GroupBy(t => DestinationKey.Of(t.Traffic.Cluster, t.Traffic.Destination), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var owned = current
            .SelectMany(r => r.Owned.Select(o => (Report: r, Owned: o)))
            .ToLookup(o => o.Owned.Key, StringComparer.Ordinal);

        return new ObserveDocument(
            now,
            self,
            windowSeconds,
            nodes,
            destinations.Select(d => Destination(d, probers, reports, verdictOf, traffic, owned)).ToList(),
            affinity);
    }

    private static ObservedNode Node(DateTimeOffset now, ClusterMember member, MemberReport? report, long newest)
    {
        var summary = report is null ? null : report.Traffic ?? TrafficSummary.Empty;
        var seconds = report is null ? 0 : Math.Max(report.WindowSeconds, 1);
        return new ObservedNode(
            report?.Node,
            member.Address,
            member.Status,
            member.Reachable,
            member.IsLeader,
            member.HostsRoutingTableWriter,
            summary is null ? null : Rate(summary.RequestsPerSecond(seconds)),
            summary is null ? null : Rate(summary.ErrorRate),
            Ms(summary?.Latency.Percentile(0.50)),
            Ms(summary?.Latency.Percentile(0.99)),
            report?.CpuPercent,
            report?.MemoryMb,
            report?.TableVersion,
            report?.VerdictVersion,
            report?.ReplicationLagSeconds,
            report?.Overrides,
            report is null ? null : Math.Round((now - report.At).TotalSeconds, 1))
        {
            TableVersionsBehind = report is null || report.TableVersion < 0 ? null : newest - report.TableVersion,
            Requests = report?.Requests,
            ProxyErrors = report?.ProxyErrors,
        };
    }

    private static ObservedDestination Destination(
        DestinationView destination,
        IReadOnlyList<string> probers,
        IReadOnlyDictionary<string, MemberReport> reports,
        Func<string, ReplicatedVerdict?> verdictOf,
        Dictionary<string, List<(MemberReport Report, DestinationTraffic Traffic)>> traffic,
        ILookup<string, (MemberReport Report, OwnedDestinationHealth Owned)> owned)
    {
        var key = DestinationKey.Of(destination.Cluster, destination.Destination);
        var verdict = verdictOf(key);
        var owner = ProbeOwnership.Owner(key, probers);
        // The owner's report when it has one; just after ownership moved, the previous owner's.
        var candidates = owned[key].OrderByDescending(o => o.Report.At).ToList();
        var observed = candidates.FirstOrDefault(o => owner is not null && ReferenceEquals(reports.GetValueOrDefault(owner), o.Report));
        if (observed.Owned is null && candidates.Count > 0)
        {
            observed = candidates[0];
        }

        var perNode = traffic.GetValueOrDefault(key) ?? [];
        var total = TrafficSummary.Merge(perNode.Select(t => t.Traffic.Summary).ToList());
        var seconds = perNode.Count == 0 ? 1 : Math.Max(perNode.Max(t => t.Report.WindowSeconds), 1);
        return new ObservedDestination(
            destination.Cluster,
            destination.Destination,
            destination.Address,
            destination.Health,
            destination.AdminState,
            double.TryParse(destination.Weight, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) ? weight : null,
            owner is null ? verdict?.Owner is { } decidedBy ? NameOf(decidedBy, reports) : null : NameOf(owner, reports),
            observed.Owned?.Probes.Select(p => new ObservedProbe(p.At, p.Ok, p.Status, p.Ms, p.Error)).ToList() ?? [],
            observed.Owned?.Passive is { } passive
                ? new ObservedPassive(passive.Total, passive.Failed, passive.Trailing, observed.Owned.PassiveSeconds)
                : null,
            verdict?.EjectedUntil is { } until ? new ObservedEjection(until, verdict.Ejections, verdict.Reason) : null,
            Rate(total.RequestsPerSecond(seconds)),
            Ms(total.Latency.Percentile(0.50)),
            Ms(total.Latency.Percentile(0.99)),
            Rate(total.ErrorRate),
            perNode
                .OrderBy(t => t.Report.Node, StringComparer.Ordinal)
                .Select(t => new ObservedNodeTraffic(
                    t.Report.Node,
                    Rate(t.Traffic.Summary.RequestsPerSecond(Math.Max(t.Report.WindowSeconds, 1))),
                    Ms(t.Traffic.Latency.Percentile(0.50)),
                    Ms(t.Traffic.Latency.Percentile(0.99)),
                    Rate(t.Traffic.Summary.ErrorRate)))
                .ToList())
        {
            HealthReason = verdict?.Reason,
            HealthSince = verdict?.Since,
            AdminStateSince = destination.AdminStateSince,
        };
    }

    private static string NameOf(string address, IReadOnlyDictionary<string, MemberReport> reports) =>
        reports.TryGetValue(address, out var report) ? report.Node : address;

    private static double Rate(double value) => Math.Round(value, 4);

    private static double? Ms(double? value) => value is { } ms ? Math.Round(ms, 3) : null;
}
