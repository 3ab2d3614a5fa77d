using ClusterLB.Core.Policies;
using ClusterLB.Core.RateLimiting;
using ClusterLB.Core.Routing;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Policies;

public sealed class RateLimitPolicyTests
{
    private static IReadOnlyList<ValidationError> ErrorsOf(RateLimitPolicy policy) =>
        RoutingTableValidator.Validate(Valid() with
        {
            Policies = new PolicyDefinitions { RateLimiting = new Dictionary<string, RateLimitPolicy> { ["per-client"] = policy } },
        });

    [Theory]
    [InlineData("TokenBucket", """{"PermitLimit":10,"TokensPerPeriod":5,"ReplenishmentPeriod":"00:00:01"}""")]
    [InlineData("FixedWindow", """{"PermitLimit":10,"Window":"00:01:00"}""")]
    [InlineData("SlidingWindow", """{"PermitLimit":10,"Window":"00:01:00","SegmentsPerWindow":6}""")]
    [InlineData("Concurrency", """{"PermitLimit":10}""")]
    public void A_complete_policy_of_each_kind_is_accepted(string kind, string json)
    {
        var policy = System.Text.Json.JsonSerializer.Deserialize<RateLimitPolicy>(json, RoutingTableJson.Options)! with { Kind = kind };

        Assert.Empty(ErrorsOf(policy));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_limit_of_zero_or_less_is_refused_naming_the_field(int limit)
    {
        var error = Assert.Single(ErrorsOf(new RateLimitPolicy { Kind = RateLimitKinds.Concurrency, PermitLimit = limit }));

        Assert.Equal("Policies:RateLimiting:per-client:PermitLimit", error.Field);
        Assert.Contains(limit.ToString(), error.Message);
    }

    [Fact]
    public void An_unknown_kind_is_refused_with_the_kinds_there_are()
    {
        var error = Assert.Single(ErrorsOf(new RateLimitPolicy { Kind = "LeakyBucket", PermitLimit = 5 }));

        Assert.Equal("Policies:RateLimiting:per-client:Kind", error.Field);
        Assert.Contains("'LeakyBucket'", error.Message);
        Assert.Contains("TokenBucket, FixedWindow, SlidingWindow, Concurrency", error.Message);
    }

    [Fact]
    public void Each_kind_requires_its_own_fields()
    {
        var errors = ErrorsOf(new RateLimitPolicy { Kind = RateLimitKinds.TokenBucket, PermitLimit = 5, TokensPerPeriod = -1 });
        Assert.Equal(
            ["Policies:RateLimiting:per-client:TokensPerPeriod", "Policies:RateLimiting:per-client:ReplenishmentPeriod"],
            errors.Select(e => e.Field));

        errors = ErrorsOf(new RateLimitPolicy { Kind = RateLimitKinds.SlidingWindow, PermitLimit = 5, Window = TimeSpan.Zero });
        Assert.Equal(
            ["Policies:RateLimiting:per-client:Window", "Policies:RateLimiting:per-client:SegmentsPerWindow"],
            errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("Header")]
    [InlineData("Claim")]
    public void A_header_or_claim_key_needs_its_name(string key)
    {
        var error = Assert.Single(ErrorsOf(new RateLimitPolicy { Kind = RateLimitKinds.Concurrency, PermitLimit = 5, Key = key }));

        Assert.Equal("Policies:RateLimiting:per-client:KeyName", error.Field);
    }

    [Fact]
    public void An_unknown_key_source_is_refused()
    {
        var error = Assert.Single(ErrorsOf(new RateLimitPolicy { Kind = RateLimitKinds.Concurrency, PermitLimit = 5, Key = "Cookie" }));

        Assert.Equal("Policies:RateLimiting:per-client:Key", error.Field);
    }

    [Fact]
    public void With_no_demand_anywhere_the_nodes_share_evenly()
    {
        Assert.Equal(1.0 / 3, DemandShare.Of(0, 0, 3), 6);
        Assert.Equal(1.0, DemandShare.Of(0, 0, 1));
    }

    [Fact]
    public void The_share_follows_the_demand_and_the_shares_add_up_to_the_whole_limit()
    {
        double[] demands = [90, 10, 0];
        var shares = demands.Select((own, i) => DemandShare.Of(own, demands.Sum() - own, demands.Length)).ToArray();

        Assert.Equal(1.0, shares.Sum(), 9);
        Assert.True(shares[0] > 0.8);
        Assert.True(shares[2] > 0, "an idle node keeps a little, so a client moved there is admitted at once");
    }

    [Fact]
    public void All_demand_on_one_node_gives_it_nearly_the_whole_limit()
    {
        Assert.True(DemandShare.Of(100, 0, 3) >= 0.95);
    }
}
