using ClusterLB.Core.Health;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Tests.Health;

public sealed class ProbeOwnershipTests
{
    private static readonly string[] Members = ["akka.tcp://c@10.0.0.1:1", "akka.tcp://c@10.0.0.2:1", "akka.tcp://c@10.0.0.3:1"];

    private static RoutingTable Table(int destinations) => RoutingTable.From(
        [],
        [new ClusterDefinition
        {
            ClusterId = "app",
            Destinations = Enumerable.Range(1, destinations).ToDictionary(i => $"d{i}", i => new DestinationDefinition { Address = $"http://10.1.0.{i}/" }),
        }]);

    [Fact]
    public void Every_destination_has_exactly_one_owner_and_the_work_is_spread()
    {
        var table = Table(30);

        var owned = Members.ToDictionary(m => m, m => ProbeOwnership.OwnedBy(m, table, Members).Select(d => d.Key).ToList());

        var all = owned.Values.SelectMany(keys => keys).ToList();
        Assert.Equal(30, all.Count);
        Assert.Equal(30, all.Distinct().Count());
        Assert.All(owned.Values, keys => Assert.NotEmpty(keys));
    }

    [Fact]
    public void Losing_a_member_moves_only_the_destinations_it_owned()
    {
        var table = Table(30);
        var survivors = Members[..2];

        foreach (var survivor in survivors)
        {
            var before = ProbeOwnership.OwnedBy(survivor, table, Members).ToHashSet();
            Assert.Superset(before, ProbeOwnership.OwnedBy(survivor, table, survivors).ToHashSet());
        }
    }

    [Fact]
    public void Counts_are_sent_to_the_owner_of_each_destination()
    {
        var counts = Enumerable.Range(1, 20).ToDictionary(i => $"app/d{i}", i => new PassiveCount(0, i));

        var byOwner = ProbeOwnership.ByOwner(counts, Members);

        Assert.Equal(20, byOwner.Values.Sum(report => report.Count));
        Assert.All(byOwner, pair => Assert.All(pair.Value.Keys, key => Assert.Equal(pair.Key, ProbeOwnership.Owner(key, Members))));
        Assert.Empty(ProbeOwnership.ByOwner(counts, []));
    }
}
