using ClusterLB.Core.Routing;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Routing;

public sealed class DestinationAdminTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);

    private static DestinationDefinition One(RoutingTable table) => table.Clusters["backends"].Destinations["one"];

    [Fact]
    public void Drain_then_enable_keeps_the_definition_and_records_state_and_time_in_the_destination()
    {
        var table = Valid();
        var address = One(table).Address;

        var draining = table.Apply(new DestinationAdminSet("backends", "one", DestinationAdminState.Draining, null, At));
        var enabled = draining.Apply(new DestinationAdminSet("backends", "one", DestinationAdminState.Active, null, At.AddMinutes(1)));

        Assert.Equal(DestinationAdminState.Draining, DestinationAdmin.StateOf(One(draining).Metadata));
        Assert.Equal(At, DestinationAdmin.SinceOf(One(draining).Metadata));
        Assert.Equal(DestinationAdminState.Active, DestinationAdmin.StateOf(One(enabled).Metadata));
        Assert.False(One(enabled).Metadata!.ContainsKey(DestinationAdmin.StateKey));
        Assert.Equal(At.AddMinutes(1), DestinationAdmin.SinceOf(One(enabled).Metadata)); // slow start ramps from here
        Assert.Equal(address, One(enabled).Address);
        Assert.Equal(table.Version + 2, enabled.Version);
        Assert.Empty(RoutingTableValidator.Validate(enabled));
    }

    [Fact]
    public void Weight_alone_leaves_the_state_as_it_was()
    {
        var table = Valid()
            .Apply(new DestinationAdminSet("backends", "one", DestinationAdminState.Maintenance, null, At))
            .Apply(new DestinationAdminSet("backends", "one", null, 2.5, At.AddSeconds(5)));

        Assert.Equal(DestinationAdminState.Maintenance, DestinationAdmin.StateOf(One(table).Metadata));
        Assert.Equal(At, DestinationAdmin.SinceOf(One(table).Metadata));
        Assert.Equal("2.5", One(table).Metadata![DestinationAdmin.WeightKey]);
    }

    [Theory]
    [InlineData(DestinationAdmin.StateKey, "Sleeping", "is not an admin state")]
    [InlineData(DestinationAdmin.SinceKey, "yesterday", "is not an ISO 8601 time")]
    public void Unreadable_admin_metadata_is_refused_naming_the_key(string key, string value, string message)
    {
        var cluster = Cluster("backends", ("one", "http://10.0.0.1:8080/"));
        var destination = cluster.Destinations["one"] with { Metadata = new Dictionary<string, string> { [key] = value } };
        var table = Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster with { Destinations = new Dictionary<string, DestinationDefinition> { ["one"] = destination } }) };

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal($"Clusters:backends:Destinations:one:Metadata:{key}", error.Field);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-00:00:01")]
    [InlineData("2.00:00:00")]
    public void Drain_timeout_that_is_not_a_duration_within_a_day_is_refused(string value)
    {
        var cluster = Cluster("backends", ("one", "http://10.0.0.1:8080/")) with { Metadata = new Dictionary<string, string> { [DestinationAdmin.DrainTimeoutKey] = value } };
        var table = Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster) };

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal($"Clusters:backends:Metadata:{DestinationAdmin.DrainTimeoutKey}", error.Field);
    }
}
