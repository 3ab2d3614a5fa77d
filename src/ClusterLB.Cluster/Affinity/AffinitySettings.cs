namespace ClusterLB.Cluster.Affinity;

/// <summary>Key-based affinity tuning (<c>ClusterLB:Affinity</c>).</summary>
public sealed class AffinitySettings
{
    /// <summary>How long an override lasts after it is recorded, or after its session last came back.</summary>
    public TimeSpan OverrideTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The most overrides the cluster keeps. Over the cap, overrides of keys seen only once go
    /// first, least recently used first; overrides of sessions that came back go only for other
    /// such sessions, so a flood of invented keys cannot flush them.
    /// </summary>
    public int MaxOverrides { get; set; } = 1_000_000;

    /// <summary>
    /// A session that comes back refreshes its override (its expiry and its place in the eviction
    /// order) at most this often; the first return marks it as returned at once.
    /// </summary>
    public TimeSpan OverrideRefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Longest affinity key, in UTF-8 bytes, that may create an override. A longer key is still
    /// hashed and routed like any other, but a move of it is not recorded.
    /// </summary>
    public int MaxKeyLength { get; set; } = 256;

    /// <summary>Distributed Data keys the table is spread over (each must fit a remoting frame).</summary>
    public int Shards { get; set; } = 512;

    /// <summary>When true, a moved key goes back to its home once that recovers; when false it stays.</summary>
    public bool ReturnHomeOnRecovery { get; set; }

    /// <summary>
    /// Under churn, the shortest time between two writes of one shard (a write rebuilds the shard);
    /// a shard not written for this long is written at the next 100 ms tick.
    /// </summary>
    public TimeSpan ShardWriteInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Overrides one shard may hold.</summary>
    public int PerShardCap => Math.Max(1, MaxOverrides / Shards);
}
