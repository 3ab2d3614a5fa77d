namespace ClusterLB.Cluster.Affinity;

/// <summary>Key-based affinity tuning (<c>ClusterLB:Affinity</c>).</summary>
public sealed class AffinitySettings
{
    /// <summary>How long an override lasts after it is recorded.</summary>
    public TimeSpan OverrideTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The most overrides the cluster keeps; the ones closest to expiry go first.</summary>
    public int MaxOverrides { get; set; } = 1_000_000;

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
