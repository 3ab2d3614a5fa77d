using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Policies;

public sealed class ResponseCachePolicyTests
{
    [Fact]
    public void A_sound_policy_is_accepted() =>
        Assert.Empty(RoutingTableValidator.Validate(WithPolicy(new ResponseCachePolicy { MaxBytes = 1000, MaxEntryBytes = 100, DefaultTtl = TimeSpan.FromMinutes(1), VaryByHeaders = ["Accept-Language"] })));

    [Theory]
    [InlineData(0L, null, null, null, "MaxBytes")]
    [InlineData(null, -1L, null, null, "MaxEntryBytes")]
    [InlineData(1000L, 2000L, null, null, "MaxEntryBytes")]
    [InlineData(null, null, -5, null, "DefaultTtl")]
    [InlineData(null, null, null, "Accept Language", "VaryByHeaders:0")]
    public void A_bad_value_is_refused_naming_the_field(long? maxBytes, long? maxEntryBytes, int? ttlSeconds, string? vary, string field)
    {
        var policy = new ResponseCachePolicy
        {
            MaxBytes = maxBytes,
            MaxEntryBytes = maxEntryBytes,
            DefaultTtl = ttlSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            VaryByHeaders = vary is null ? null : [vary],
        };

        var error = Assert.Single(RoutingTableValidator.Validate(WithPolicy(policy)));

        Assert.Equal($"Policies:OutputCache:pages:{field}", error.Field);
    }

    private static RoutingTable WithPolicy(ResponseCachePolicy policy) =>
        Valid() with { Policies = new PolicyDefinitions { OutputCache = new Dictionary<string, ResponseCachePolicy> { ["pages"] = policy } } };
}
