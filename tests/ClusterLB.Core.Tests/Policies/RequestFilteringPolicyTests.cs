using System.Net;
using System.Text.Json;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Tests.Policies;

public sealed class RequestFilteringPolicyTests
{
    [Fact]
    public void Request_filter_survives_the_json_form_that_is_persisted_and_replicated()
    {
        var table = RoutingTable.Empty with
        {
            Policies = new PolicyDefinitions
            {
                RequestFiltering = new Dictionary<string, RequestFilteringPolicy>
                {
                    ["strict"] = new()
                    {
                        Mode = "Observe", AllRoutes = true, AllowedAddresses = ["10.0.0.0/8"], DeniedAddresses = ["::1"], AllowedMethods = ["GET"],
                        MaxRequestBodySize = 1000, RuleSets = ["SqlInjection"],
                        Rules = [new() { Name = "ua", Target = "Header", Header = "User-Agent", Pattern = "^curl/" }],
                    },
                },
            },
        };

        var read = JsonSerializer.Deserialize<RoutingTable>(RoutingTableJson.Canonical(table), RoutingTableJson.Options)!;

        Assert.True(read.HasSameContentAs(table));
        Assert.Equal("^curl/", read.Policies.RequestFiltering!["strict"].Rules![0].Pattern);
    }

    [Fact]
    public void Every_built_in_rule_runs_on_the_non_backtracking_engine()
    {
        foreach (var (set, rules) in RequestFilterRuleSets.All)
        {
            foreach (var rule in rules)
            {
                Assert.True(RequestFilterRuleSets.TryCompile(rule.Pattern, out var error) is not null, $"{set}/{rule.Name}: {error}");
            }
        }
    }

    [Theory]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("10.0.0.1", true)]
    [InlineData("192.0.2.0/24", true)]
    [InlineData("2001:db8::/32", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0/0", true)]
    [InlineData("10.0.0.1/8", false)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("2001:db8::/129", false)]
    [InlineData("10.0.0.0/-1", false)]
    [InlineData("10.0.0.0/", false)]
    [InlineData("fe80::1%2/64", false)]
    [InlineData("example.com", false)]
    [InlineData("", false)]
    public void Address_lists_take_addresses_and_cidr_networks_with_no_host_bits(string text, bool valid)
    {
        Assert.Equal(valid, RequestFilteringValidator.TryParseNetwork(text, out _));
    }

    [Fact]
    public void Network_contains_the_addresses_of_its_prefix()
    {
        RequestFilteringValidator.TryParseNetwork("192.0.2.0/24", out var network);

        Assert.True(network.Contains(IPAddress.Parse("192.0.2.200")));
        Assert.False(network.Contains(IPAddress.Parse("192.0.3.1")));
    }
}
