using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Membership;

namespace ClusterLB.Node.Admin;

/// <summary>One member as <c>/admin/cluster</c> shows it: membership from the cluster, numbers from its own report.</summary>
public sealed record MemberView(
    string Address,
    string? Node,
    string Status,
    bool Reachable,
    bool IsLeader,
    bool HostsRoutingTableWriter,
    long? TableVersion,
    long? VerdictVersion,
    long? Requests,
    long? ProxyErrors,
    int? Overrides,
    double? ReportAgeSeconds);

/// <summary>What <c>/admin/cluster</c> answers: the members, and the destinations with their admin states.</summary>
public sealed record ClusterOverview(IReadOnlyList<MemberView> Members, IReadOnlyList<DestinationView> Destinations);

/// <summary>Builds the cluster view from this node's local copy of the members' reports.</summary>
public static class ClusterView
{
    /// <summary>Every member this node knows of.</summary>
    public static async Task<IReadOnlyList<MemberView>> ReadAsync(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var response = await DistributedData.Get(system).Replicator
            .Ask<IGetResponse>(Dsl.Get(MemberReports.Key, ReadLocal.Instance), TimeSpan.FromSeconds(3));
        IReadOnlyDictionary<string, MemberReport> reports = response.IsSuccessful ? response.Get(MemberReports.Key).Entries : new Dictionary<string, MemberReport>();
        var writerHost = WriterHost(state);
        var now = DateTimeOffset.UtcNow;

        return state.Members
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m =>
            {
                var address = m.Address.ToString();
                var report = reports.TryGetValue(address, out var r) ? r : null;
                return new MemberView(
                    address,
                    report?.Node,
                    m.Status.ToString(),
                    !state.Unreachable.Contains(m),
                    state.Leader == m.Address,
                    writerHost == m.Address,
                    report?.TableVersion,
                    report?.VerdictVersion,
                    report?.Requests,
                    report?.ProxyErrors,
                    report?.Overrides,
                    report is null ? null : Math.Round((now - report.At).TotalSeconds, 1));
            })
            .ToList();
    }

    /// <summary>The member that hosts the routing-table writer: the oldest Up balancer.</summary>
    public static Address? WriterHost(ClusterEvent.CurrentClusterState state) =>
        state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(ClusterLBAkka.BalancerRole))
            .OrderBy(m => m, Member.AgeOrdering)
            .FirstOrDefault()?.Address;
}
