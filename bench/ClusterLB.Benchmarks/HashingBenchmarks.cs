using BenchmarkDotNet.Attributes;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Serialization;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;

namespace ClusterLB.Benchmarks;

/// <summary>
/// Key hashing over a large cluster (1,000 destinations): building a Maglev table, a Maglev lookup
/// against a rendezvous pick; and the replicated override shard at its full size (~2,000 records,
/// the 1M default cap over 512 shards): one flush applied, one shard serialized.
/// </summary>
public class HashingBenchmarks
{
    private ulong[] _thousand = null!;
    private MaglevTable _maglev = null!;
    private OverrideShard _fullShard = null!;
    private OverrideRecord[] _flush = null!;

    [GlobalSetup]
    public void Setup()
    {
        _thousand = Enumerable.Range(0, 1000).Select(i => StableHash.Of($"backend-{i}")).ToArray();
        _maglev = MaglevTable.Build(_thousand);
        var expires = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        _fullShard = OverrideShard.FromRecords(
            Enumerable.Range(0, 2000).Select(i => new OverrideRecord("keyed", StableHash.Of($"session-{i}"), $"backend-{i % 10}", expires + i)),
            1953 + 100);
        _flush = Enumerable.Range(0, 10).Select(i => new OverrideRecord("keyed", StableHash.Of($"new-{i}"), "backend-1", expires + 5000)).ToArray();
    }

    [Benchmark(Description = "Maglev table build, 1,000 destinations (131,071 slots; once per configuration change)")]
    public MaglevTable MaglevBuild() => MaglevTable.Build(_thousand);

    [Benchmark(Description = "Maglev lookup, 1,000 destinations")]
    public int MaglevLookup() => _maglev.Lookup(0x1234_5678_9abc_def0UL);

    [Benchmark(Description = "rendezvous pick, 1,000 destinations")]
    public int RendezvousPick() => KeyedAffinity.Pick(0x1234_5678_9abc_def0UL, _thousand, default);

    [Benchmark(Description = "override shard of 2,000 records: apply a flush of 10 changes")]
    public OverrideShard ShardFlush() => _fullShard.With(_flush, _fullShard.Cap, 0, out _);

    [Benchmark(Description = "override shard of 2,000 records: serialize")]
    public byte[] ShardSerialize() => OverrideShardSerializer.Write(_fullShard);
}
