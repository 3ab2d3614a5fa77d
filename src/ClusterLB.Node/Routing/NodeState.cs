using ClusterLB.Cluster.Health;
using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Routing;

/// <summary>Where the routing table a node runs came from.</summary>
public enum TableSource
{
    /// <summary>Nothing applied yet.</summary>
    None,

    /// <summary>The last table this node applied before it stopped, read from its data directory.</summary>
    LocalFile,

    /// <summary>Replicated from the cluster.</summary>
    Cluster,
}

/// <summary>What this node runs right now, read by status, readiness and reports without locks.</summary>
public sealed class NodeState
{
    private volatile Applied? _applied;
    private long _verdictVersion = -1;
    private volatile IReadOnlyDictionary<string, ReplicatedVerdict> _verdicts = new Dictionary<string, ReplicatedVerdict>();
    private long _requests;
    private long _proxyErrors;
    private volatile bool _stopping;

    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;

    private sealed record Applied(RoutingTable Table, TableSource Source, double? LagSeconds);

    /// <summary>The routing table the proxy runs; null until the first one is applied.</summary>
    public RoutingTable? AppliedTable => _applied?.Table;

    /// <summary>Where <see cref="AppliedTable"/> came from.</summary>
    public TableSource TableSource => _applied?.Source ?? TableSource.None;

    /// <summary>
    /// Replication lag of the routing table: seconds from the writer's acceptance of the version this node
    /// runs (<see cref="RoutingTable.ChangedAt"/>, the event's time) until this node applied it; 0 for a
    /// version accepted before this node started; null until a table from the cluster was applied.
    /// Measured across two clocks when the writer runs on another host.
    /// </summary>
    public double? ReplicationLagSeconds => _applied?.LagSeconds;

    /// <summary>Sum of the sequences of the verdicts applied; -1 until the cluster's verdicts were read.</summary>
    public long VerdictVersion => Interlocked.Read(ref _verdictVersion);

    /// <summary>Requests proxied since start.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests the proxy answered with its own error.</summary>
    public long ProxyErrors => Interlocked.Read(ref _proxyErrors);

    /// <summary>Whether the node is draining before it stops.</summary>
    public bool Stopping => _stopping;

    /// <summary>Records that the proxy now runs <paramref name="table"/>.</summary>
    public void TableApplied(RoutingTable table, TableSource source)
    {
        var lag = source != TableSource.Cluster ? null
            : _applied is { Source: TableSource.Cluster, Table.Version: var running } && running == table.Version ? _applied.LagSeconds
            : table.ChangedAt is not { } changedAt || changedAt < _startedAt ? 0
            : Math.Max(0, (DateTimeOffset.UtcNow - changedAt).TotalSeconds);
        _applied = new Applied(table, source, lag);
    }

    /// <summary>The verdict this node applies to the destination with <paramref name="key"/> (<c>cluster/destination</c>), if any.</summary>
    public ReplicatedVerdict? VerdictOf(string key) => _verdicts.TryGetValue(key, out var verdict) ? verdict : null;

    /// <summary>Records the verdicts the proxy now applies.</summary>
    public void VerdictsApplied(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts)
    {
        _verdicts = verdicts;
        Interlocked.Exchange(ref _verdictVersion, verdicts.Values.Sum(v => v.Sequence));
    }

    /// <summary>The destinations outlier detection has ejected, by key, with the verdicts that did it.</summary>
    public IEnumerable<KeyValuePair<string, ReplicatedVerdict>> Ejected =>
        _verdicts.Where(v => v.Value.EjectedUntil is not null).OrderBy(v => v.Key, StringComparer.Ordinal);

    /// <summary>Counts one proxied request.</summary>
    public void CountRequest(bool proxyError)
    {
        Interlocked.Increment(ref _requests);
        if (proxyError)
        {
            Interlocked.Increment(ref _proxyErrors);
        }
    }

    /// <summary>Marks the node as draining: readiness turns 503 so that DNS or anycast withdraw it.</summary>
    public void BeginStopping() => _stopping = true;
}
