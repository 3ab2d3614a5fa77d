using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;
using CsCheck;

namespace ClusterLB.Core.Tests.Affinity;

public sealed class KeyedAffinityTests
{
    private static readonly string[] Destinations = ["d1", "d2", "d3", "d4", "d5"];
    private static readonly ulong[] Hashes = Destinations.Select(d => StableHash.Of(d)).ToArray();
    private static readonly bool[] AllAvailable = [true, true, true, true, true];

    [Fact]
    public void Keys_spread_over_every_destination()
    {
        var homes = Enumerable.Range(0, 5000).Select(i => KeyedAffinity.Pick(StableHash.Of($"key-{i}"), Hashes, default)).ToList();

        foreach (var index in Enumerable.Range(0, Destinations.Length))
        {
            var share = homes.Count(h => h == index) / 5000.0;
            Assert.InRange(share, 0.15, 0.25);
        }
    }

    [Fact]
    public void Removing_a_destination_moves_only_the_keys_that_were_on_it()
    {
        Gen.String.Sample(key =>
        {
            var hash = StableHash.Of(key);
            var home = KeyedAffinity.Pick(hash, Hashes, default);
            var without = Hashes.Where((_, i) => i != 2).ToArray();
            var after = KeyedAffinity.Pick(hash, without, default);
            var afterId = Destinations.Where((_, i) => i != 2).ElementAt(after);
            return home == 2 || afterId == Destinations[home];
        });
    }

    [Fact]
    public void Key_stays_home_while_its_home_is_available()
    {
        var hash = StableHash.Of("alice");
        var home = KeyedAffinity.Pick(hash, Hashes, default);

        Assert.Equal(new AffinityDecision(home, OverrideChange.None), KeyedAffinity.Decide(hash, Hashes, AllAvailable, overrideIndex: -1));
    }

    [Fact]
    public void Key_whose_home_fails_moves_to_the_next_in_its_ranking_and_records_it()
    {
        var hash = StableHash.Of("alice");
        var home = KeyedAffinity.Pick(hash, Hashes, default);
        var available = AllAvailable.ToArray();
        available[home] = false;

        var decision = KeyedAffinity.Decide(hash, Hashes, available, overrideIndex: -1);

        Assert.NotEqual(home, decision.Index);
        Assert.Equal(KeyedAffinity.Pick(hash, Hashes, available), decision.Index);
        Assert.Equal(OverrideChange.Record, decision.Change);
    }

    [Fact]
    public void Moved_key_stays_where_it_moved_when_its_home_recovers()
    {
        var hash = StableHash.Of("alice");
        var home = KeyedAffinity.Pick(hash, Hashes, default);
        var movedTo = (home + 1) % Destinations.Length;

        Assert.Equal(new AffinityDecision(movedTo, OverrideChange.None), KeyedAffinity.Decide(hash, Hashes, AllAvailable, movedTo));
    }

    [Fact]
    public void Key_goes_home_and_drops_its_override_when_the_moved_to_destination_fails()
    {
        var hash = StableHash.Of("alice");
        var home = KeyedAffinity.Pick(hash, Hashes, default);
        var movedTo = (home + 1) % Destinations.Length;
        var available = AllAvailable.ToArray();
        available[movedTo] = false;

        Assert.Equal(new AffinityDecision(home, OverrideChange.Remove), KeyedAffinity.Decide(hash, Hashes, available, movedTo));
    }

    [Fact]
    public void Nothing_available_gives_no_destination()
    {
        Assert.Equal(-1, KeyedAffinity.Decide(StableHash.Of("alice"), Hashes, new bool[5], -1).Index);
    }
}
