using ClusterLB.Core.Routing;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Routing;

public sealed class RoutingTableValidatorTests
{
    [Fact]
    public void Valid_table_has_no_errors() => Assert.Empty(RoutingTableValidator.Validate(Valid()));

    [Fact]
    public void Route_naming_an_unknown_cluster_is_refused_naming_the_field()
    {
        var table = Valid() with { Routes = Valid().Routes.SetItem("api", Route("api", "nowhere")) };

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal("Routes:api:ClusterId", error.Field);
        Assert.Contains("'nowhere'", error.Message);
    }

    [Fact]
    public void Route_needs_a_cluster_and_a_path_or_host()
    {
        var table = Valid() with { Routes = Valid().Routes.SetItem("bare", new RouteDefinition { RouteId = "bare" }) };

        var fields = RoutingTableValidator.Validate(table).Select(e => e.Field);

        Assert.Equal(["Routes:bare:ClusterId", "Routes:bare:Match"], fields);
    }

    [Theory]
    [InlineData("backend-1:8080")]
    [InlineData("/relative/path")]
    [InlineData("ftp://10.0.0.1/")]
    [InlineData("")]
    public void Destination_address_must_be_an_absolute_http_url(string address)
    {
        var table = Valid() with { Clusters = Valid().Clusters.SetItem("backends", Cluster("backends", ("one", address))) };

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal("Clusters:backends:Destinations:one:Address", error.Field);
        Assert.Contains("absolute http(s) URL", error.Message);
    }

    [Fact]
    public void Unknown_policy_names_are_refused_with_the_known_ones_listed()
    {
        var cluster = Valid().Clusters["backends"] with
        {
            LoadBalancingPolicy = "Fastest",
            Metadata = new Dictionary<string, string> { ["ClusterLB.KeyHashing"] = "Jump" },
            SessionAffinity = new SessionAffinityDefinition { Enabled = true, Policy = "Magic", AffinityKeyName = "k" },
            HealthCheck = new HealthCheckDefinition
            {
                Active = new ActiveHealthCheckDefinition { Policy = "Sometimes" },
                AvailableDestinationsPolicy = "Any",
            },
        };
        var table = Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster) };

        var errors = RoutingTableValidator.Validate(table);

        Assert.Equal(
            [
                "Clusters:backends:LoadBalancingPolicy",
                "Clusters:backends:Metadata:ClusterLB.KeyHashing",
                "Clusters:backends:SessionAffinity:Policy",
                "Clusters:backends:HealthCheck:AvailableDestinationsPolicy",
                "Clusters:backends:HealthCheck:Active:Policy",
            ],
            errors.Select(e => e.Field));
        Assert.Contains("RoundRobin", errors[0].Message);
    }

    [Fact]
    public void Affinity_enabled_without_a_key_name_is_refused()
    {
        var cluster = Valid().Clusters["backends"] with { SessionAffinity = new SessionAffinityDefinition { Enabled = true, Policy = "HashCookie" } };
        var table = Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster) };

        Assert.Equal("Clusters:backends:SessionAffinity:AffinityKeyName", Assert.Single(RoutingTableValidator.Validate(table)).Field);
    }

    [Fact]
    public void Ids_that_differ_only_in_case_are_duplicates()
    {
        var table = RoutingTable.From(
            [Route("api", "backends"), Route("API", "backends")],
            [Cluster("backends", ("one", "http://10.0.0.1/"), ("ONE", "http://10.0.0.2/"))]);

        var errors = RoutingTableValidator.Validate(table);

        Assert.Contains(errors, e => e.Field.StartsWith("Routes:", StringComparison.Ordinal) && e.Message.Contains("duplicate"));
        Assert.Contains(errors, e => e.Field.StartsWith("Clusters:backends:Destinations:", StringComparison.Ordinal) && e.Message.Contains("duplicate"));
    }

    [Fact]
    public void Timeouts_must_be_positive_and_versions_real()
    {
        var route = Route("api", "backends") with { Timeout = TimeSpan.Zero };
        var cluster = Valid().Clusters["backends"] with
        {
            HttpRequest = new ForwarderRequestDefinition { ActivityTimeout = TimeSpan.FromSeconds(-1), Version = "4" },
        };
        var table = RoutingTable.From([route], [cluster]);

        Assert.Equal(
            ["Routes:api:Timeout", "Clusters:backends:HttpRequest:ActivityTimeout", "Clusters:backends:HttpRequest:Version"],
            RoutingTableValidator.Validate(table).Select(e => e.Field));
    }

    [Theory]
    [InlineData(-1L, true)]
    [InlineData(0L, true)]
    [InlineData(1_048_576L, true)]
    [InlineData(-2L, false)]
    public void Route_body_size_limit_is_a_size_in_bytes_or_minus_one_for_none(long limit, bool accepted)
    {
        var table = RoutingTable.From([Route("api", "backends") with { MaxRequestBodySize = limit }], [Valid().Clusters["backends"]]);

        var errors = RoutingTableValidator.Validate(table);

        Assert.Equal(accepted ? [] : ["Routes:api:MaxRequestBodySize"], errors.Select(e => e.Field));
    }
    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1001")]
    [InlineData("heavy")]
    [InlineData("NaN")]
    public void A_destination_weight_that_is_not_a_positive_number_up_to_the_maximum_is_refused(string weight)
    {
        var cluster = Valid().Clusters["backends"];
        var one = cluster.Destinations["one"] with { Metadata = new Dictionary<string, string> { ["ClusterLB.Weight"] = weight } };
        var table = Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster with { Destinations = cluster.Destinations.ToDictionary().SetTo("one", one) }) };

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal("Clusters:backends:Destinations:one:Metadata:ClusterLB.Weight", error.Field);
        Assert.Contains("positive number up to 1000", error.Message);
    }

    [Theory]
    [InlineData("ConsistentHash", "ClusterLB.HashKey", null, "ClusterLB.HashKey", "is required")]
    [InlineData("ConsistentHash", "ClusterLB.HashKey", "Body:x", "ClusterLB.HashKey", "'Body' is not a key source")]
    [InlineData("RoundRobin", "ClusterLB.HashKey", "Header", "ClusterLB.HashKey", "names no header")]
    [InlineData("WeightedRoundRobin", "ClusterLB.SlowStart", "soon", "ClusterLB.SlowStart", "not a duration")]
    [InlineData("WeightedRoundRobin", "ClusterLB.SlowStart", "02:00:00", "ClusterLB.SlowStart", "not a duration")]
    [InlineData("WeightedRoundRobin", "ClusterLB.SlowStart.InitialPercent", "0", "ClusterLB.SlowStart.InitialPercent", "from 1 to 100")]
    [InlineData("WeightedRoundRobin", "ClusterLB.SlowStart.InitialPercent", "101", "ClusterLB.SlowStart.InitialPercent", "from 1 to 100")]
    [InlineData("PeakEwma", "ClusterLB.PeakEwma.DecayTime", "00:30:00", "ClusterLB.PeakEwma.DecayTime", "not a duration")]
    public void Unusable_load_balancing_metadata_is_refused_naming_the_field(string policy, string key, string? value, string field, string message)
    {
        var metadata = value is null ? null : new Dictionary<string, string> { [key] = value };
        var cluster = Valid().Clusters["backends"] with { LoadBalancingPolicy = policy, Metadata = metadata };
        var table = Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster) };

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal($"Clusters:backends:Metadata:{field}", error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Every_load_balancing_policy_with_its_metadata_is_accepted()
    {
        var cluster = Valid().Clusters["backends"];
        foreach (var policy in new[] { "WeightedRoundRobin", "PowerOfTwoChoices", "LeastRequests", "PeakEwma", "ConsistentHash" })
        {
            var configured = cluster with
            {
                LoadBalancingPolicy = policy,
                Metadata = new Dictionary<string, string>
                {
                    ["ClusterLB.HashKey"] = "Header:X-User",
                    ["ClusterLB.SlowStart"] = "00:00:30",
                    ["ClusterLB.SlowStart.InitialPercent"] = "20",
                    ["ClusterLB.PeakEwma.DecayTime"] = "00:00:05",
                },
                Destinations = cluster.Destinations.ToDictionary().SetTo(
                    "one", cluster.Destinations["one"] with { Metadata = new Dictionary<string, string> { ["ClusterLB.Weight"] = "2.5" } }),
            };

            Assert.Empty(RoutingTableValidator.Validate(Valid() with { Clusters = Valid().Clusters.SetItem("backends", configured) }));
        }
    }
}

internal static class DictionaryChanges
{
    public static Dictionary<TKey, TValue> SetTo<TKey, TValue>(this Dictionary<TKey, TValue> dictionary, TKey key, TValue value)
        where TKey : notnull
    {
        dictionary[key] = value;
        return dictionary;
    }
}
