using ClusterLB.Core.Retries;
using ClusterLB.Core.Routing;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Retries;

/// <summary>Retry metadata: read once into a policy, and refused before it is persisted when unusable, naming the field.</summary>
public sealed class RetryMetadataTests
{
    [Fact]
    public void Without_metadata_a_cluster_retries_connect_failures_and_resets_twice_within_a_fifth_of_its_requests()
    {
        var policy = RetryMetadata.Policy(null);

        Assert.Equal(2, policy.Attempts);
        Assert.Equal(RetryOn.ConnectFailure | RetryOn.Reset, policy.On);
        Assert.Equal(TimeSpan.FromMilliseconds(25), policy.Backoff);
        Assert.Equal(20, policy.BudgetPercent);
        Assert.Equal(10, policy.MinPerSecond);
        Assert.Equal(64 * 1024, policy.MaxBodySize);
        Assert.Equal(RetryMethods.Get | RetryMethods.Head | RetryMethods.Options | RetryMethods.Put | RetryMethods.Delete, RetryMetadata.RouteMethods(null));
    }

    [Fact]
    public void Cluster_and_route_metadata_set_every_value()
    {
        var policy = RetryMetadata.Policy(new Dictionary<string, string>
        {
            [RetryMetadata.Attempts] = "5",
            [RetryMetadata.On] = "connect-failure, 503,timeout",
            [RetryMetadata.Backoff] = "00:00:00.100",
            [RetryMetadata.Budget] = "12.5",
            [RetryMetadata.MinPerSecond] = "0",
            [RetryMetadata.MaxBodySize] = "1024",
        });

        Assert.Equal(new RetryPolicy(5, RetryOn.ConnectFailure | RetryOn.Status503 | RetryOn.Timeout, TimeSpan.FromMilliseconds(100), 12.5, 0, 1024), policy);
        Assert.True(policy.RetriesStatus(503));
        Assert.False(policy.RetriesStatus(502));
        Assert.Equal(RetryMethods.Get | RetryMethods.Post, RetryMetadata.RouteMethods(new Dictionary<string, string> { [RetryMetadata.Methods] = "get,POST" }));
    }

    [Fact]
    public void Backoff_doubles_with_each_retry_and_is_jittered_around_it()
    {
        var policy = RetryPolicy.Default with { Backoff = TimeSpan.FromMilliseconds(20) };

        Assert.Equal(TimeSpan.FromMilliseconds(10), policy.BackoffBefore(1, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(30), policy.BackoffBefore(1, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(40), policy.BackoffBefore(2, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(80), policy.BackoffBefore(3, 0.5));
        Assert.Equal(TimeSpan.Zero, (policy with { Backoff = TimeSpan.Zero }).BackoffBefore(3, 0.5));
    }

    [Theory]
    [InlineData(RetryMetadata.Attempts, "6", "from 0 to 5")]
    [InlineData(RetryMetadata.Attempts, "-1", "from 0 to 5")]
    [InlineData(RetryMetadata.Attempts, "two", "from 0 to 5")]
    [InlineData(RetryMetadata.Budget, "101", "percentage from 0 to 100")]
    [InlineData(RetryMetadata.Budget, "-5", "percentage from 0 to 100")]
    [InlineData(RetryMetadata.On, "connect-failure,504", "connect-failure, reset, 502, 503, timeout")]
    [InlineData(RetryMetadata.On, "", "connect-failure, reset, 502, 503, timeout")]
    [InlineData(RetryMetadata.MaxBodySize, "-1", "size in bytes")]
    [InlineData(RetryMetadata.MaxBodySize, "64KB", "size in bytes")]
    [InlineData(RetryMetadata.MinPerSecond, "ten", "retries per second")]
    [InlineData(RetryMetadata.Backoff, "25ms", "not a duration")]
    [InlineData(RetryMetadata.Backoff, "-00:00:01", "not a duration")]
    [InlineData(RetryMetadata.Backoff, "00:00:05", "not a duration")]
    public void Unusable_cluster_values_are_refused_naming_the_field(string key, string value, string explanation)
    {
        var table = WithCluster(new Dictionary<string, string> { [key] = value });

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal($"Clusters:backends:Metadata:{key}", error.Field);
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains(explanation, error.Message);
    }

    [Theory]
    [InlineData("GET,FETCH")]
    [InlineData("G ET")]
    [InlineData("CONNECT")]
    [InlineData("")]
    public void Unknown_or_invalid_methods_are_refused_naming_the_route_field(string methods)
    {
        var table = WithRoute(new Dictionary<string, string> { [RetryMetadata.Methods] = methods });

        var error = Assert.Single(RoutingTableValidator.Validate(table));

        Assert.Equal($"Routes:api:Metadata:{RetryMetadata.Methods}", error.Field);
        Assert.Contains("HTTP methods", error.Message);
    }

    [Fact]
    public void Keys_set_on_the_wrong_level_are_refused_saying_where_they_belong()
    {
        var table = WithRoute(new Dictionary<string, string> { [RetryMetadata.Attempts] = "1" });
        table = table with { Clusters = table.Clusters.SetItem("backends", table.Clusters["backends"] with { Metadata = new Dictionary<string, string> { [RetryMetadata.Methods] = "GET" } }) };

        var errors = RoutingTableValidator.Validate(table);

        Assert.Equal([$"Routes:api:Metadata:{RetryMetadata.Attempts}", $"Clusters:backends:Metadata:{RetryMetadata.Methods}"], errors.Select(e => e.Field));
        Assert.Contains("cluster metadata", errors[0].Message);
        Assert.Contains("route metadata", errors[1].Message);
    }

    [Fact]
    public void Usable_values_pass()
    {
        var table = WithCluster(new Dictionary<string, string>
        {
            [RetryMetadata.Attempts] = "0",
            [RetryMetadata.On] = "reset,502",
            [RetryMetadata.Backoff] = "00:00:00",
            [RetryMetadata.Budget] = "100",
            [RetryMetadata.MinPerSecond] = "10000",
            [RetryMetadata.MaxBodySize] = "0",
        });
        table = table with { Routes = table.Routes.SetItem("api", table.Routes["api"] with { Metadata = new Dictionary<string, string> { [RetryMetadata.Methods] = "GET, HEAD ,post" } }) };

        Assert.Empty(RoutingTableValidator.Validate(table));
    }

    private static RoutingTable WithCluster(Dictionary<string, string> metadata) =>
        Valid() with { Clusters = Valid().Clusters.SetItem("backends", Valid().Clusters["backends"] with { Metadata = metadata }) };

    private static RoutingTable WithRoute(Dictionary<string, string> metadata) =>
        Valid() with { Routes = Valid().Routes.SetItem("api", Valid().Routes["api"] with { Metadata = metadata }) };
}
