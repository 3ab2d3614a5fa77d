using ClusterLB.Cluster.Affinity;
using ClusterLB.Core.Affinity;

namespace ClusterLB.Cluster.Tests.Affinity;

/// <summary>
/// The proxy's view of the override table: it reads the replicated shards themselves, and a change
/// the proxy made is seen at once and keeps being seen until the shard holding it has been taken.
/// </summary>
public class AffinityOverridesTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly AffinitySettings Settings = new() { Shards = 8 };

    private readonly AffinityOverrides _overrides = new(Settings);
    private readonly List<(OverrideKey Key, AffinityOverride? Value)> _asked = [];

    public AffinityOverridesTests() => _overrides.Connect((key, value, _) => _asked.Add((key, value)));

    private static OverrideRecord Moved(ulong keyHash, string destination, string cluster = "keyed") =>
        new(cluster, keyHash, destination, Now.AddMinutes(30).ToUnixTimeMilliseconds());

    // Hands the view every shard of the records given, as the replicator does when Distributed Data delivers them.
    private void Replicate(params OverrideRecord[] records)
    {
        for (var shard = 0; shard < Settings.Shards; shard++)
        {
            _overrides.Take(shard, OverrideShard.FromRecords(records.Where(r => AffinityOverrides.ShardOf(r.Key, Settings.Shards) == shard), Settings.PerShardCap));
        }
    }

    [Fact]
    public void Replicated_records_are_read_from_their_shards()
    {
        Replicate(Moved(1, "backend-2"), Moved(2, "backend-3"), Moved(3, "backend-1", cluster: "other"), new OverrideRecord("keyed", 4, null, Now.AddMinutes(30).ToUnixTimeMilliseconds()));

        Assert.True(_overrides.TryGet("keyed", 1, Now, out var first));
        Assert.Equal(new AffinityOverride("keyed", "backend-2", DateTimeOffset.FromUnixTimeMilliseconds(Moved(1, "x").ExpiresAtMs)), first);
        Assert.True(_overrides.TryGet("other", 3, Now, out var other));
        Assert.Equal("backend-1", other.DestinationId);
        Assert.False(_overrides.TryGet("keyed", 4, Now, out _)); // a removal record moves nothing
        Assert.False(_overrides.TryGet("keyed", 3, Now, out _)); // the same hash in another cluster
        Assert.False(_overrides.TryGet("keyed", 1, Now.AddHours(1), out _)); // expired
        Assert.Equal(3, _overrides.Count);
        Assert.Equal(new Dictionary<string, int> { ["keyed"] = 2, ["other"] = 1 }, _overrides.CountByCluster());
    }

    [Fact]
    public void A_change_is_seen_at_once_and_until_the_shard_holding_it_is_taken()
    {
        Replicate(Moved(1, "backend-2"));
        var moved = new AffinityOverride("keyed", "backend-3", Now.AddMinutes(30));

        _overrides.Record("keyed", 1, moved);
        _overrides.Record("keyed", 5, moved);
        _overrides.Remove("keyed", 1);

        Assert.False(_overrides.TryGet("keyed", 1, Now, out _));
        Assert.True(_overrides.TryGet("keyed", 5, Now, out var fresh));
        Assert.Equal("backend-3", fresh.DestinationId);
        Assert.Equal(1, _overrides.Count);
        Assert.Equal([(new OverrideKey("keyed", 1), (AffinityOverride?)moved), (new OverrideKey("keyed", 5), moved), (new OverrideKey("keyed", 1), null)], _asked);

        // A shard taken before the write (gossip from elsewhere) does not undo the change.
        Replicate(Moved(1, "backend-2"), Moved(7, "backend-1"));
        Assert.False(_overrides.TryGet("keyed", 1, Now, out _));
        Assert.Equal(2, _overrides.Count);

        // The write is taken; then the shard speaks, also where another node's record won.
        Replicate(new OverrideRecord("keyed", 1, null, Now.AddMinutes(30).ToUnixTimeMilliseconds()), Moved(5, "backend-1"), Moved(7, "backend-1"));
        _overrides.Settle(new OverrideKey("keyed", 1), null);
        _overrides.Settle(new OverrideKey("keyed", 5), moved);
        Assert.False(_overrides.TryGet("keyed", 1, Now, out _));
        Assert.True(_overrides.TryGet("keyed", 5, Now, out var won));
        Assert.Equal("backend-1", won.DestinationId);
        Assert.Equal(2, _overrides.Count);
    }

    [Fact]
    public void A_write_settles_only_the_change_it_carried_not_a_later_one()
    {
        var first = new AffinityOverride("keyed", "backend-2", Now.AddMinutes(30));
        var later = new AffinityOverride("keyed", "backend-3", Now.AddMinutes(31));
        _overrides.Record("keyed", 9, first);
        _overrides.Record("keyed", 9, later);

        Replicate(Moved(9, "backend-2"));
        _overrides.Settle(new OverrideKey("keyed", 9), first);

        Assert.True(_overrides.TryGet("keyed", 9, Now, out var seen));
        Assert.Equal("backend-3", seen.DestinationId);
    }

    [Fact]
    public void Recording_the_destination_a_key_already_has_asks_nothing()
    {
        Replicate(Moved(1, "backend-2"));

        _overrides.Record("keyed", 1, new AffinityOverride("keyed", "backend-2", Now.AddMinutes(30)));
        _overrides.Remove("keyed", 42);

        Assert.Empty(_asked);
    }
}
