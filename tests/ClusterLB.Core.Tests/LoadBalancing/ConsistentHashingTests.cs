using ClusterLB.Core.Hashing;
using ClusterLB.Core.LoadBalancing;

namespace ClusterLB.Core.Tests.LoadBalancing;

public sealed class ConsistentHashingTests
{
    private static ulong[] Hashes(IEnumerable<string> ids) => ids.Select(id => StableHash.Of(id)).ToArray();

    private static readonly string[] Keys = Enumerable.Range(0, 10_000).Select(i => $"user-{i}").ToArray();

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(30)]
    [InlineData(60)]
    public void Removing_one_destination_moves_its_keys_and_at_most_one_percent_of_the_others(int count)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"backend-{i}").ToArray();
        var removed = ids[count / 2];
        var remaining = ids.Where(id => id != removed).ToArray();
        var before = ConsistentHashing.BuildTable(Hashes(ids));
        var after = ConsistentHashing.BuildTable(Hashes(remaining));

        var movedOthers = 0;
        var others = 0;
        foreach (var key in Keys)
        {
            var hash = StableHash.Of(key);
            var was = ids[ConsistentHashing.Pick(before, hash, Hashes(ids), default)];
            var now = remaining[ConsistentHashing.Pick(after, hash, Hashes(remaining), default)];
            Assert.NotEqual(removed, now);
            if (was != removed)
            {
                others++;
                movedOthers += was == now ? 0 : 1;
            }
        }

        Assert.True(movedOthers <= others / 100, $"{movedOthers} of {others} keys of the other destinations moved");
    }

    [Fact]
    public void Two_independently_built_tables_map_10k_keys_identically()
    {
        var ids = Enumerable.Range(0, 7).Select(i => $"10.0.0.{i}:8080").ToArray();
        // Built from separately made arrays, as two nodes would.
        var nodeA = ConsistentHashing.BuildTable(Hashes(ids));
        var nodeB = ConsistentHashing.BuildTable(Hashes(ids.Select(id => new string(id.AsSpan()))));

        foreach (var key in Keys)
        {
            var hash = StableHash.Of(key);
            Assert.Equal(ConsistentHashing.Pick(nodeA, hash, Hashes(ids), default), ConsistentHashing.Pick(nodeB, hash, Hashes(ids), default));
        }
    }

    [Fact]
    public void Keys_spread_evenly_over_the_destinations()
    {
        var ids = Enumerable.Range(0, 5).Select(i => $"backend-{i}").ToArray();
        var table = ConsistentHashing.BuildTable(Hashes(ids));
        var counts = new int[ids.Length];
        foreach (var key in Keys)
        {
            counts[ConsistentHashing.Pick(table, StableHash.Of(key), Hashes(ids), default)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 1_800, 2_200));
    }

    [Fact]
    public void A_key_whose_destination_is_unavailable_goes_to_the_same_other_one_every_time_and_other_keys_stay()
    {
        var ids = Enumerable.Range(0, 5).Select(i => $"backend-{i}").ToArray();
        var hashes = Hashes(ids);
        var table = ConsistentHashing.BuildTable(hashes);
        bool[] available = [true, true, false, true, true];

        foreach (var key in Keys.Take(2_000))
        {
            var hash = StableHash.Of(key);
            var home = ConsistentHashing.Pick(table, hash, hashes, default);
            var picked = ConsistentHashing.Pick(table, hash, hashes, available);
            if (home == 2)
            {
                Assert.NotEqual(2, picked);
                Assert.Equal(picked, ConsistentHashing.Pick(ConsistentHashing.BuildTable(Hashes(ids)), hash, hashes, available));
            }
            else
            {
                Assert.Equal(home, picked);
            }
        }

        Assert.Equal(-1, ConsistentHashing.Pick(table, 42, hashes, [false, false, false, false, false]));
    }
}
