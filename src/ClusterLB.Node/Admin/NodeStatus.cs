using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Node.Caching;
using ClusterLB.Node.RateLimiting;
using ClusterLB.Node.Retries;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>A node's own view of itself, as served on <c>/admin/status</c>.</summary>
public sealed record NodeStatus(
    string Node,
    string ClusterName,
    string Address,
    string MemberStatus,
    IReadOnlyList<string> Roles,
    bool IsLeader,
    int Members,
    int ReachableMembers,
    bool InMajority,
    bool HostsRoutingTableWriter,
    RoutingTableStatus? RoutingTable,
    long HealthVerdictVersion,
    AffinityStatus Affinity,
    JournalStatus Journal,
    ResponseCacheStatus Cache,
    bool Stopping)
{
    /// <summary>Cluster-wide rate limits as this node applies them; null when the node has none registered.</summary>
    public RateLimitingStatus? RateLimiting { get; init; }

    /// <summary>Every destination this node routes to, with its admin state, weight and health.</summary>
    public IReadOnlyList<DestinationView> Destinations { get; init; } = [];

    /// <summary>Retries per cluster as this node made them; null when the node has none registered.</summary>
    public RetriesStatus? Retries { get; init; }

    /// <summary>Destinations that outlier detection has ejected, as this node applies the cluster's verdicts.</summary>
    public IReadOnlyList<EjectionStatus> Ejected { get; init; } = [];

    /// <summary>Reads the status of the node running <paramref name="system"/>.</summary>
    public static NodeStatus Of(
        string node, ActorSystem system, NodeState state, AffinityOverrides overrides, int capacity, JournalStatus journal, ResponseCaches caches)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var self = cluster.SelfMember;
        var table = state.AppliedTable;
        var members = cluster.State.Members.Where(m => m.Status != Akka.Cluster.MemberStatus.Down).ToList();
        var reachable = members.Where(m => !cluster.State.Unreachable.Contains(m)).ToList();
        return new NodeStatus(
            node,
            system.Name,
            cluster.SelfAddress.ToString(),
            self.Status.ToString(),
            self.Roles.Order().ToList(),
            cluster.State.Leader == cluster.SelfAddress,
            members.Count,
            reachable.Count,
            IsInMajority(members, reachable),
            ClusterView.WriterHost(cluster.State) == cluster.SelfAddress,
            table is null ? null : new RoutingTableStatus(table.Version, table.Routes.Count, table.Clusters.Count, state.TableSource.ToString()),
            state.VerdictVersion,
            new AffinityStatus(overrides.Count, capacity, overrides.Evictions, overrides.Loaded),
            journal,
            caches.Status(),
            state.Stopping)
        {
            Ejected = state.Ejected.Select(e => new EjectionStatus(e.Key, e.Value.EjectedUntil!.Value, e.Value.Ejections, e.Value.Reason)).ToList(),
        };
    }

    /// <summary>
    /// Whether this node is on the side that keep-majority keeps: more than half of the members, or
    /// exactly half including the lowest address. A node cut off from the others turns unready as
    /// soon as it finds them unreachable, seconds before the resolver downs it.
    /// </summary>
    private static bool IsInMajority(IReadOnlyList<Member> members, IReadOnlyList<Member> reachable) =>
        members.Count == 0 // not a member yet: the member status says why it is not ready
        || 2 * reachable.Count > members.Count
        || (2 * reachable.Count == members.Count && reachable.Contains(members.OrderBy(m => m.Address, Member.AddressOrdering).First()));

    /// <summary>Whether DNS or anycast should send traffic here.</summary>
    public bool Ready => NotReadyBecause is null;

    /// <summary>Why the node is not ready, or null when it is.</summary>
    public string? NotReadyBecause =>
        Stopping ? "stopping: draining in-flight requests"
        : MemberStatus != nameof(Akka.Cluster.MemberStatus.Up) ? $"cluster member status is {MemberStatus}, not Up"
        : !InMajority ? $"cut off from the majority of the cluster: reaches {ReachableMembers} of {Members} members"
        : RoutingTable is null ? "no routing table applied yet"
        : RoutingTable.Source != nameof(TableSource.Cluster) ? "serving the last saved routing table; the cluster's has not arrived"
        : HealthVerdictVersion < 0 ? "the cluster's health verdicts have not been read yet"
        : !Affinity.Loaded ? "the cluster's affinity overrides have not been read yet"
        : null;
}

/// <summary>A destination out by outlier detection (<c>cluster/destination</c>), until when, how many times, and why.</summary>
public sealed record EjectionStatus(string Destination, DateTimeOffset Until, int Ejections, string Reason);

/// <summary>The routing table a node runs, and where it came from (Cluster, LocalFile).</summary>
public sealed record RoutingTableStatus(long Version, int Routes, int Clusters, string Source);

/// <summary>
/// The key-based affinity override table as this node holds it: entries, the cluster-wide cap,
/// evictions made here, and whether it has read the cluster's table since joining.
/// </summary>
public sealed record AffinityStatus(int Overrides, int Capacity, long Evictions, bool Loaded);

/// <summary>
/// The routing-table journal: where it is, and its state as the writer last reported it through
/// Distributed Data (available, unavailable, recovering; unknown before any report reached this node),
/// with the last error and since when. Read locally: status never waits for the writer.
/// </summary>
public sealed record JournalStatus(string Description, string State, string? Error, DateTimeOffset? Since)
{
    private static readonly TimeSpan LocalReadTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The state of the journal at <paramref name="description"/> as this node's replica holds it.</summary>
    public static async Task<JournalStatus> ReadAsync(ActorSystem system, string description)
    {
        try
        {
            var response = await DistributedData.Get(system).Replicator
                .Ask<IGetResponse>(Dsl.Get(JournalStateReplication.Key, ReadLocal.Instance), LocalReadTimeout);
            if (response.IsSuccessful)
            {
                var state = response.Get(JournalStateReplication.Key).Value;
                return new JournalStatus(description, state.Availability.ToString().ToLowerInvariant(), state.Error, state.Since);
            }
        }
        catch (AskTimeoutException)
        {
        }

        return new JournalStatus(description, "unknown", null, null);
    }
}
