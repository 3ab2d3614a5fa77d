using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Serialization;
using CsCheck;

namespace ClusterLB.Cluster.Tests.Affinity;

/// <summary>
/// The override shard is a conflict-free replicated type: replicas that have seen the same records,
/// in any order and any grouping, must hold the same shard and serialize it to the same bytes, or
/// Distributed Data's gossip never settles.
/// </summary>
public class OverrideShardTests
{
    private static readonly long Future = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();

    private static readonly Gen<OverrideRecord> GenRecord = Gen.Select(
        Gen.Int[0, 1].Select(i => i == 0 ? "keyed" : "other"),
        Gen.ULong[0, 24],
        Gen.Int[0, 3].Select(i => i == 0 ? null : $"backend-{i}"),
        Gen.Int[0, 50],
        Gen.Bool,
        (cluster, hash, destination, later, returned) => new OverrideRecord(cluster, hash, destination, Future + later, returned));

    private static readonly Gen<OverrideShard> GenShard = Gen.Select(GenRecord.Array[0, 30], Gen.Int[5, 40], (records, cap) => OverrideShard.FromRecords(records, cap));

    [Fact]
    public void Merge_is_commutative_associative_and_idempotent()
    {
        Gen.Select(GenShard, GenShard, GenShard).Sample((a, b, c) =>
            a.Merge(b).Equals(b.Merge(a))
            && a.Merge(b).Merge(c).Equals(a.Merge(b.Merge(c)))
            && a.Merge(a).Equals(a));
    }

    [Fact]
    public void Equal_shards_serialize_to_equal_bytes_whatever_order_their_records_arrived_in()
    {
        Gen.Select(GenRecord.Array[0, 40], Gen.Int[1, 60]).Sample((records, cap) =>
        {
            var forward = OverrideShard.FromRecords(records, cap);
            var backward = OverrideShard.FromRecords(records.Reverse(), cap);
            var bytes = OverrideShardSerializer.Write(forward);
            var readBack = OverrideShardSerializer.Read(bytes);
            return bytes.AsSpan().SequenceEqual(OverrideShardSerializer.Write(backward)) && readBack.Equals(forward);
        });
    }

    [Fact]
    public void A_delta_brings_a_replica_of_the_old_state_to_the_new_state()
    {
        Gen.Select(GenShard, GenRecord.Array[1, 10]).Sample((old, changes) =>
        {
            var updated = old.With(changes, old.Cap, 0, out _);
            return updated.Delta is not null
                && updated.Delta.Count <= changes.Length
                && old.MergeDelta(updated.Delta).Equals(updated.ResetDelta());
        });
    }

    [Fact]
    public void The_record_that_expires_last_wins_so_a_later_removal_undoes_an_earlier_move()
    {
        var moved = OverrideShard.FromRecords([new OverrideRecord("keyed", 7, "backend-2", Future)], 10);
        var removed = OverrideShard.FromRecords([new OverrideRecord("keyed", 7, null, Future + 1)], 10);

        var merged = moved.Merge(removed);

        Assert.Equal(new OverrideRecord("keyed", 7, null, Future + 1), Assert.Single(merged.Records.ToArray()));
        Assert.True(merged.Equals(removed.Merge(moved)));
    }

    [Fact]
    public void The_cap_evicts_the_records_that_expire_first_and_counts_them()
    {
        var shard = OverrideShard.Empty(3).With(
            [.. Enumerable.Range(0, 5).Select(i => new OverrideRecord("keyed", (ulong)i, "backend-1", Future + 10 - i))], 3, 0, out var evicted);

        Assert.Equal(2, evicted);
        Assert.Equal([0UL, 1UL, 2UL], shard.Records.ToArray().Select(r => r.KeyHash));
    }

    [Fact]
    public void A_flood_of_keys_seen_once_does_not_evict_keys_that_returned()
    {
        // Ten sessions moved first and came back; then ten times the cap of keys seen once, written
        // later (later expiries) in many writes. Evicting in the order of writing would drop the
        // returning sessions first.
        const int cap = 20;
        var shard = OverrideShard.Empty(cap).With(
            [.. Enumerable.Range(0, 10).Select(i => new OverrideRecord("keyed", (ulong)i, "backend-1", Future, Returned: true))], cap, 0, out _);
        var evictions = 0;
        for (var batch = 0; batch < 20; batch++)
        {
            shard = shard.ResetDelta().With(
                [.. Enumerable.Range(0, 10).Select(i => new OverrideRecord("keyed", (ulong)(1000 + batch * 10 + i), "backend-1", Future + 1 + batch))], cap, 0, out var evicted);
            evictions += evicted;
        }

        Assert.Equal(cap, shard.Count);
        Assert.Equal(200 + 10 - cap, evictions);
        Assert.All(Enumerable.Range(0, 10), i => Assert.True(shard.TryFind(new OverrideKey("keyed", (ulong)i), out var kept) && kept.Returned));
        // Among the keys seen once, the most recent stay.
        Assert.True(shard.TryFind(new OverrideKey("keyed", 1199), out _));
        Assert.False(shard.TryFind(new OverrideKey("keyed", 1000), out _));
    }

    [Fact]
    public void Returned_keys_are_evicted_only_for_other_returned_keys_least_recently_used_first()
    {
        var shard = OverrideShard.FromRecords(
            [.. Enumerable.Range(0, 3).Select(i => new OverrideRecord("keyed", (ulong)i, "backend-1", Future + i, Returned: true))], 3);

        var afterOnce = shard.With([new OverrideRecord("keyed", 10, "backend-1", Future + 100)], 3, 0, out var evictedOnce);
        var afterReturned = shard.With([new OverrideRecord("keyed", 11, "backend-1", Future + 100, Returned: true)], 3, 0, out var evictedReturned);

        Assert.Equal([0UL, 1UL, 2UL], afterOnce.Records.ToArray().Select(r => r.KeyHash));
        Assert.Equal(1, evictedOnce);
        Assert.Equal([1UL, 2UL, 11UL], afterReturned.Records.ToArray().Select(r => r.KeyHash));
        Assert.Equal(1, evictedReturned);
    }

    [Fact]
    public void A_key_that_returned_keeps_the_mark_so_its_later_removal_and_move_win()
    {
        var shard = OverrideShard.FromRecords([new OverrideRecord("keyed", 7, "backend-2", Future, Returned: true)], 10);

        // The node that writes a removal or a move need not know the key returned; the shard does.
        var removed = shard.With([new OverrideRecord("keyed", 7, null, Future + 1)], 10, 0, out _);
        var movedAgain = removed.With([new OverrideRecord("keyed", 7, "backend-3", Future + 2)], 10, 0, out _);

        Assert.Equal(new OverrideRecord("keyed", 7, null, Future + 1, Returned: true), Assert.Single(removed.Records.ToArray()));
        Assert.Equal(new OverrideRecord("keyed", 7, "backend-3", Future + 2, Returned: true), Assert.Single(movedAgain.Records.ToArray()));
        Assert.True(shard.Merge(removed.Delta!).Equals(removed.ResetDelta()));
    }

    [Fact]
    public void A_shard_without_returned_keys_is_written_in_the_first_format_and_both_formats_read_back()
    {
        var once = OverrideShard.FromRecords([new OverrideRecord("keyed", 1, "backend-1", Future)], 10);
        var returned = OverrideShard.FromRecords([new OverrideRecord("keyed", 1, "backend-1", Future), new OverrideRecord("keyed", 2, "backend-1", Future, Returned: true)], 10);

        var onceBytes = OverrideShardSerializer.Write(once);
        var returnedBytes = OverrideShardSerializer.Write(returned);

        Assert.Equal(1, onceBytes[0]);
        Assert.Equal(2, returnedBytes[0]);
        Assert.True(OverrideShardSerializer.Read(onceBytes).Equals(once));
        Assert.True(OverrideShardSerializer.Read(returnedBytes).Equals(returned));
    }

    [Fact]
    public void Expired_records_are_dropped_by_merges_and_sweeps()
    {
        var past = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds();
        var stale = OverrideShard.FromRecords([new OverrideRecord("keyed", 1, "backend-1", past), new OverrideRecord("keyed", 2, "backend-1", Future)], 10);

        Assert.Equal(2, stale.Count);
        Assert.Equal([2UL], stale.Merge(OverrideShard.Empty(10)).Records.ToArray().Select(r => r.KeyHash));
        Assert.Equal([2UL], stale.WithoutExpired(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Records.ToArray().Select(r => r.KeyHash));
    }

    [Fact]
    public void Find_returns_the_record_of_a_held_key_and_nothing_for_another()
    {
        Gen.Select(GenShard, GenRecord).Sample((shard, probe) =>
        {
            var held = shard.Records.ToArray().ToDictionary(r => r.Key);
            var found = shard.TryFind(probe.Key, out var record);
            return found == held.ContainsKey(probe.Key) && (!found || record == held[probe.Key])
                && held.Values.All(r => shard.TryFind(r.Key, out var again) && again == r);
        });
    }
}
