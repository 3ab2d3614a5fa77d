using System.Text.Json;
using ClusterLB.Core.Routing;
using CsCheck;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Routing;

public sealed class RoutingTableTests
{
    [Fact]
    public void Each_change_raises_the_version_by_one()
    {
        var imported = RoutingTableImported.Of(Valid(), "configuration", DateTimeOffset.UnixEpoch);

        var once = RoutingTable.Empty.Apply(imported);
        var twice = once.Apply(imported);

        Assert.Equal(1, once.Version);
        Assert.Equal(2, twice.Version);
        Assert.True(twice.HasSameContentAs(Valid()));
    }

    [Fact]
    public void Tables_with_another_destination_address_differ()
    {
        var other = Valid() with { Clusters = Valid().Clusters.SetItem("backends", Cluster("backends", ("one", "http://10.0.0.9:8080/"))) };

        Assert.False(Valid().HasSameContentAs(other));
        Assert.True(Valid().HasSameContentAs(Valid() with { Version = 7 }));
    }

    [Fact]
    public void Any_table_reads_back_from_its_json_form_unchanged()
    {
        GenTable.Sample(table =>
        {
            var json = RoutingTableJson.Canonical(table);
            var back = JsonSerializer.Deserialize<RoutingTable>(json, RoutingTableJson.Options)!;
            return back.Version == table.Version && RoutingTableJson.Canonical(back) == json && back.HasSameContentAs(table);
        });
    }

    private static readonly Gen<string> GenId = Gen.String[Gen.Char["abcdefghij-_0123456789"], 1, 12];

    private static readonly Gen<DestinationDefinition> GenDestination =
        Gen.Select(Gen.Int[1, 65535], Gen.Bool, Gen.Dictionary(GenId, Gen.String)[0, 2], (port, https, metadata) => new DestinationDefinition
        {
            Address = $"{(https ? "https" : "http")}://10.0.0.1:{port}/",
            Metadata = metadata.Count == 0 ? null : metadata,
        });

    private static readonly Gen<ClusterDefinition> GenCluster =
        Gen.Select(GenId, Gen.Int[0, 2].Select(i => new string?[] { null, "RoundRobin", "PowerOfTwoChoices" }[i]), Gen.Dictionary(GenId, GenDestination)[0, 5], Gen.Int[0, 300],
            (id, policy, destinations, timeout) => new ClusterDefinition
            {
                ClusterId = id,
                LoadBalancingPolicy = policy,
                Destinations = destinations,
                HttpRequest = timeout > 0 ? new ForwarderRequestDefinition { ActivityTimeout = TimeSpan.FromSeconds(timeout) } : null,
            });

    private static readonly Gen<RoutingTable> GenTable =
        Gen.Select(GenCluster.List[1, 4], Gen.Int[0, 1000], Gen.String[Gen.Char.AlphaNumeric, 1, 10].List[0, 5],
            (clusters, version, paths) =>
            {
                var uniqueClusters = clusters.DistinctBy(c => c.ClusterId).ToList();
                var routes = paths.Select((path, i) => Route($"r{i}", uniqueClusters[i % uniqueClusters.Count].ClusterId, $"/{path}/{{**rest}}") with
                {
                    Timeout = i % 2 == 0 ? TimeSpan.FromMilliseconds(100 * (i + 1)) : null,
                    Transforms = i % 3 == 0 ? [new Dictionary<string, string> { ["PathRemovePrefix"] = $"/{path}" }] : null,
                });
                return RoutingTable.From(routes, uniqueClusters) with { Version = version };
            });
}
