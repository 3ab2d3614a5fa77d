using ClusterLB.Core.Hashing;

namespace ClusterLB.Core.Tests.Hashing;

public sealed class MaglevTests
{
    private static ulong[] Destinations(int count, int from = 0) =>
        Enumerable.Range(from, count).Select(i => StableHash.Of($"backend-{i}")).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(1000)]
    public void Every_slot_is_taken_and_shares_differ_by_at_most_one_slot(int destinations)
    {
        var table = MaglevTable.Build(Destinations(destinations));
        var shares = new int[destinations];
        for (var slot = 0UL; slot < (ulong)table.Size; slot++)
        {
            shares[table.Lookup(slot)]++;
        }

        Assert.True(table.Size >= 100 * destinations);
        Assert.InRange(shares.Max() - shares.Min(), 0, 1);
    }

    [Fact]
    public void Removing_one_of_fifty_destinations_moves_its_keys_and_few_others()
    {
        var all = Destinations(50);
        var before = MaglevTable.Build(all);
        var after = MaglevTable.Build(all.Skip(1).ToArray()); // indexes shift by one
        var keys = Enumerable.Range(0, 20_000).Select(i => StableHash.Of($"session-{i}")).ToArray();

        var stayedOnSurvivors = keys.Count(k => before.Lookup(k) != 0 && after.Lookup(k) + 1 == before.Lookup(k));
        var onSurvivors = keys.Count(k => before.Lookup(k) != 0);

        Assert.True(keys.Where(k => before.Lookup(k) == 0).All(k => after.Lookup(k) >= 0));
        Assert.InRange(1 - stayedOnSurvivors / (double)onSurvivors, 0, 0.05);
    }

    [Fact]
    public void The_same_destinations_give_the_same_table_on_every_node()
    {
        var first = MaglevTable.Build(Destinations(40));
        var second = MaglevTable.Build(Destinations(40));

        Assert.All(Enumerable.Range(0, 5_000), i => Assert.Equal(first.Lookup((ulong)i * 7919), second.Lookup((ulong)i * 7919)));
    }

    [Fact]
    public void An_empty_table_has_no_destination() => Assert.Equal(-1, MaglevTable.Build([]).Lookup(42));
}
