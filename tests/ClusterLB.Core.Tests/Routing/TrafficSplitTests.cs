using ClusterLB.Core.Hashing;
using ClusterLB.Core.Routing;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Routing;

public sealed class TrafficSplitTests
{
    private static TrafficSplit Split(string text, string? key = "Header:X-User") =>
        TrafficSplit.TryParse(text, key, out var split, out var error) ? split! : throw new InvalidOperationException(error!.Value.Message);

    private static int[] Sides(TrafficSplit split, int keys) =>
        Enumerable.Range(0, keys).Select(i => split.Pick(StableHash.Of($"user-{i}"))).ToArray();

    [Fact]
    public void Keys_spread_over_the_sides_by_their_percentages()
    {
        var sides = Sides(Split("stable=95,canary=5"), 100_000);

        var canary = sides.Count(s => s == 1) / 100_000.0;
        Assert.InRange(canary, 0.045, 0.055);
    }

    [Fact]
    public void Moving_the_boundary_moves_only_the_keys_that_must_move()
    {
        var before = Sides(Split("stable=95,canary=5"), 10_000);
        var after = Sides(Split("stable=90,canary=10"), 10_000);

        var moved = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.All(moved, i => Assert.Equal((0, 1), (before[i], after[i]))); // only stable to canary, never back
        Assert.InRange(moved.Count, 400, 600); // about the 5 % that had to move
    }

    [Fact]
    public void Two_independently_built_splits_decide_every_key_alike()
    {
        Assert.Equal(Sides(Split("a=50,b=30,c=20"), 10_000), Sides(Split("a=50,b=30,c=20"), 10_000));
    }

    [Fact]
    public void Percentages_take_two_decimals_and_a_zero_side_gets_nothing()
    {
        Assert.Equal(0, Sides(Split("stable=100,canary=0"), 10_000).Count(s => s == 1));
        var tiny = Sides(Split("stable=99.5,canary=0.5"), 100_000).Count(s => s == 1) / 100_000.0;
        Assert.InRange(tiny, 0.003, 0.007);
    }

    [Theory]
    [InlineData("stable=95,canary=4", null, "ClusterLB.Split", "add up to 99")]
    [InlineData("stable=95,canary", null, "ClusterLB.Split", "is not <cluster>=<percent>")]
    [InlineData("stable=95,canary=-5", null, "ClusterLB.Split", "is not <cluster>=<percent>")]
    [InlineData("stable=95,canary=4.999", null, "ClusterLB.Split", "two decimals")]
    [InlineData("stable=50,stable=50", null, "ClusterLB.Split", "named twice")]
    [InlineData("backends=95,nowhere=5", null, "ClusterLB.Split", "cluster 'nowhere' does not exist")]
    [InlineData("backends=100", "Brain:waves", "ClusterLB.Split.Key", "is not a key source")]
    public void Unusable_split_is_refused_naming_the_key(string split, string? key, string field, string message)
    {
        var metadata = new Dictionary<string, string> { [TrafficSplit.MetadataKey] = split };
        if (key is not null)
        {
            metadata[TrafficSplit.KeyMetadataKey] = key;
        }

        var table = Valid() with { Routes = Valid().Routes.SetItem("api", Route("api", "backends") with { Metadata = metadata }) };

        var errors = RoutingTableValidator.Validate(table);

        Assert.Contains(errors, e => e.Field == $"Routes:api:Metadata:{field}" && e.Message.Contains(message));
    }

    [Fact]
    public void Split_over_existing_clusters_is_accepted()
    {
        var table = Valid() with
        {
            Clusters = Valid().Clusters.SetItem("canary", Cluster("canary", ("c", "http://10.0.0.3:8080/"))),
            Routes = Valid().Routes.SetItem("api", Route("api", "backends") with
            {
                Metadata = new Dictionary<string, string> { [TrafficSplit.MetadataKey] = "backends=95, canary=5", [TrafficSplit.KeyMetadataKey] = "Cookie:session" },
            }),
        };

        Assert.Empty(RoutingTableValidator.Validate(table));
    }
}
