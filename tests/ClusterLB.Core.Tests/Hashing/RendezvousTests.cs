using ClusterLB.Core.Hashing;

namespace ClusterLB.Core.Tests.Hashing;

public sealed class RendezvousTests
{
    private static readonly string[] Members = ["akka.tcp://lb@10.0.0.1:4053", "akka.tcp://lb@10.0.0.2:4053", "akka.tcp://lb@10.0.0.3:4053"];

    [Fact]
    public void Owner_does_not_depend_on_the_order_members_are_listed_in()
    {
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(Rendezvous.Owner($"c/d{i}", Members), Rendezvous.Owner($"c/d{i}", Members.Reverse()));
        }
    }

    [Fact]
    public void Losing_a_member_moves_only_what_it_owned_and_spreads_it_over_the_rest()
    {
        var keys = Enumerable.Range(0, 600).Select(i => $"cluster/destination-{i}").ToList();
        var before = keys.ToDictionary(k => k, k => Rendezvous.Owner(k, Members));
        var survivors = Members.Skip(1).ToArray();

        var after = keys.ToDictionary(k => k, k => Rendezvous.Owner(k, survivors));

        Assert.All(keys.Where(k => before[k] != Members[0]), k => Assert.Equal(before[k], after[k]));
        var moved = keys.Where(k => before[k] == Members[0]).Select(k => after[k]).ToList();
        Assert.InRange(moved.Count(m => m == survivors[0]) / (double)moved.Count, 0.35, 0.65);
    }

    [Fact]
    public void No_members_means_no_owner() => Assert.Null(Rendezvous.Owner("c/d", []));

    // Nodes of different releases must agree on owners and affinity homes: the hash may never change.
    [Fact]
    public void Hash_is_the_same_in_every_release() => Assert.Equal(0x0a1bb36a9d39e9ceUL, StableHash.Of("clusterlb"));
}
