using ClusterLB.Core.Routing;
using static ClusterLB.Core.Tests.Routing.Tables;

namespace ClusterLB.Core.Tests.Routing;

/// <summary>The parts of YARP's schema beyond routes and destinations: what is accepted, and how a refusal reads.</summary>
public sealed class YarpSchemaValidationTests
{
    [Theory]
    [InlineData("{**catch-all}")]
    [InlineData("/{**catch-all}")]
    [InlineData("api/{id:int}")]
    public void Path_patterns_are_not_required_to_start_with_a_slash(string path)
    {
        var table = Valid() with { Routes = Valid().Routes.SetItem("api", Route("api", "backends", path)) };

        Assert.Empty(RoutingTableValidator.Validate(table));
    }

    [Fact]
    public void Route_policies_and_a_cluster_http_client_are_accepted()
    {
        var route = Route("api", "backends") with
        {
            AuthorizationPolicy = "Anonymous",
            CorsPolicy = "disable",
            RateLimiterPolicy = "Default",
            OutputCachePolicy = "short",
            TimeoutPolicy = "slow",
        };
        var cluster = Valid().Clusters["backends"] with
        {
            HttpClient = new HttpClientDefinition
            {
                SslProtocols = ["Tls12", "Tls13"],
                MaxConnectionsPerServer = 100,
                EnableMultipleHttp2Connections = true,
                RequestHeaderEncoding = "utf-8",
                ResponseHeaderEncoding = "latin1",
                WebProxy = new WebProxyDefinition { Address = new Uri("http://127.0.0.1:3128"), BypassOnLocal = true },
            },
        };

        Assert.Empty(RoutingTableValidator.Validate(Valid() with
        {
            Routes = Valid().Routes.SetItem("api", route),
            Clusters = Valid().Clusters.SetItem("backends", cluster),
        }));
    }

    [Fact]
    public void A_timeout_and_a_timeout_policy_on_one_route_are_refused_as_in_yarp()
    {
        var route = Route("api", "backends") with { Timeout = TimeSpan.FromSeconds(5), TimeoutPolicy = "slow" };

        var error = Assert.Single(RoutingTableValidator.Validate(Valid() with { Routes = Valid().Routes.SetItem("api", route) }));

        Assert.Equal("Routes:api:TimeoutPolicy", error.Field);
    }

    [Fact]
    public void Bad_http_client_settings_are_refused_naming_each_field()
    {
        var cluster = Valid().Clusters["backends"] with
        {
            HttpClient = new HttpClientDefinition
            {
                MaxConnectionsPerServer = 0,
                RequestHeaderEncoding = "utf-9",
                WebProxy = new WebProxyDefinition { Address = new Uri("ftp://127.0.0.1/") },
            },
        };

        var errors = RoutingTableValidator.Validate(Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster) });

        Assert.Equal(
            ["Clusters:backends:HttpClient:MaxConnectionsPerServer", "Clusters:backends:HttpClient:RequestHeaderEncoding", "Clusters:backends:HttpClient:WebProxy:Address"],
            errors.Select(e => e.Field));
    }

    [Theory]
    [InlineData("Cookie", "HashCookie")]
    [InlineData("CustomHeader", "KeyedHeader")]
    [InlineData("customheader", "KeyedHeader")]
    public void Node_local_affinity_is_refused_with_the_reason_and_the_drop_in_alternative(string policy, string alternative)
    {
        var cluster = Valid().Clusters["backends"] with
        {
            SessionAffinity = new SessionAffinityDefinition { Enabled = true, Policy = policy, AffinityKeyName = "session" },
        };

        var error = Assert.Single(RoutingTableValidator.Validate(Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster) }));

        Assert.Equal("Clusters:backends:SessionAffinity:Policy", error.Field);
        Assert.Contains("another node", error.Message);
        Assert.Contains($"use '{alternative}'", error.Message);
    }

    [Theory]
    [InlineData("ConsecutiveFailuresHealthPolicy.Threshold", "0")]
    [InlineData("ConsecutiveFailuresHealthPolicy.Threshold", "many")]
    [InlineData("TransportFailureRateHealthPolicy.RateLimit", "1.5")]
    [InlineData("TransportFailureRateHealthPolicy.RateLimit", "0")]
    public void Unusable_health_policy_metadata_is_refused_naming_the_key(string key, string value)
    {
        var cluster = Valid().Clusters["backends"] with { Metadata = new Dictionary<string, string> { [key] = value } };

        var error = Assert.Single(RoutingTableValidator.Validate(Valid() with { Clusters = Valid().Clusters.SetItem("backends", cluster) }));

        Assert.Equal($"Clusters:backends:Metadata:{key}", error.Field);
        Assert.Contains($"'{value}'", error.Message);
    }
}
