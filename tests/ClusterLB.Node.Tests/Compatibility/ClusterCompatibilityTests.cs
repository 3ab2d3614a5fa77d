namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>
/// Cluster settings from YARP's load-balancing, session-affinity and dests-health-checks articles:
/// every load-balancing policy over one destination (deterministic), hash-cookie affinity, and
/// health-check sections with every destination healthy.
/// </summary>
public sealed class ClusterCompatibilityTests(ClusterCompatibilityTests.Configuration proxies)
    : IClassFixture<ClusterCompatibilityTests.Configuration>
{
    public sealed class Configuration : ProxyPairFixture
    {
        public Configuration()
            : base(Json)
        {
        }

        private const string Json = """
        {
          "ReverseProxy": {
            "Routes": {
              "power-of-two": { "ClusterId": "power-of-two", "Match": { "Path": "/lb/power-of-two/{**rest}" } },
              "round-robin": { "ClusterId": "round-robin", "Match": { "Path": "/lb/round-robin/{**rest}" } },
              "random": { "ClusterId": "random", "Match": { "Path": "/lb/random/{**rest}" } },
              "least-requests": { "ClusterId": "least-requests", "Match": { "Path": "/lb/least-requests/{**rest}" } },
              "first-alphabetical": { "ClusterId": "first-alphabetical", "Match": { "Path": "/lb/first-alphabetical/{**rest}" } },
              "shop": { "ClusterId": "shop", "Match": { "Path": "/shop/{**rest}" } },
              "shop-b-only": { "ClusterId": "shop-b-only", "Match": { "Path": "/shop-b/{**rest}" } },
              "legacy": { "ClusterId": "legacy", "Match": { "Path": "/legacy/{**rest}" } },
              "legacy-b-only": { "ClusterId": "legacy-b-only", "Match": { "Path": "/legacy-b/{**rest}" } },
              "checked": { "ClusterId": "checked", "Match": { "Path": "/checked/{**rest}" } }
            },
            "Clusters": {
              "power-of-two": { "LoadBalancingPolicy": "PowerOfTwoChoices", "Destinations": { "only": { "Address": "backend:a" } } },
              "round-robin": { "LoadBalancingPolicy": "RoundRobin", "Destinations": { "only": { "Address": "backend:a" } } },
              "random": { "LoadBalancingPolicy": "Random", "Destinations": { "only": { "Address": "backend:a" } } },
              "least-requests": { "LoadBalancingPolicy": "LeastRequests", "Destinations": { "only": { "Address": "backend:a" } } },
              "first-alphabetical": {
                "LoadBalancingPolicy": "FirstAlphabetical",
                "Destinations": { "b": { "Address": "backend:b" }, "a": { "Address": "backend:a" } }
              },
              "shop": {
                "LoadBalancingPolicy": "FirstAlphabetical",
                "SessionAffinity": {
                  "Enabled": true,
                  "Policy": "HashCookie",
                  "FailurePolicy": "Redistribute",
                  "AffinityKeyName": ".Shop.Affinity",
                  "Cookie": { "Path": "/shop", "HttpOnly": true, "SameSite": "Lax", "SecurePolicy": "None", "MaxAge": "01:00:00", "IsEssential": true }
                },
                "Destinations": { "a": { "Address": "backend:a" }, "b": { "Address": "backend:b" } }
              },
              "shop-b-only": {
                "SessionAffinity": { "Enabled": true, "Policy": "HashCookie", "AffinityKeyName": ".Shop.Affinity" },
                "Destinations": { "b": { "Address": "backend:b" } }
              },
              "legacy": {
                "LoadBalancingPolicy": "FirstAlphabetical",
                "SessionAffinity": { "Enabled": true, "Policy": "ArrCookie", "AffinityKeyName": "ARRAffinity" },
                "Destinations": { "a": { "Address": "backend:a" }, "b": { "Address": "backend:b" } }
              },
              "legacy-b-only": {
                "SessionAffinity": { "Enabled": true, "Policy": "ArrCookie", "AffinityKeyName": "ARRAffinity" },
                "Destinations": { "b": { "Address": "backend:b" } }
              },
              "checked": {
                "LoadBalancingPolicy": "FirstAlphabetical",
                "HealthCheck": {
                  "AvailableDestinationsPolicy": "HealthyOrPanic",
                  "Active": { "Enabled": true, "Interval": "00:00:05", "Timeout": "00:00:02", "Policy": "ConsecutiveFailures", "Path": "/healthz" },
                  "Passive": { "Enabled": true, "Policy": "TransportFailureRate", "ReactivationPeriod": "00:01:00" }
                },
                "Metadata": { "ConsecutiveFailuresHealthPolicy.Threshold": "3", "TransportFailureRateHealthPolicy.RateLimit": "0.5" },
                "Destinations": { "a": { "Address": "backend:a" }, "b": { "Address": "backend:b" } }
              }
            }
          }
        }
        """;
    }

    [Fact]
    public async Task Every_load_balancing_policy_over_one_destination_sends_there()
    {
        await proxies.Pair.CompareAsync(
            [.. new[] { "power-of-two", "round-robin", "random", "least-requests", "first-alphabetical" }
                .SelectMany(policy => Enumerable.Range(0, 3).Select(i => Exchange.Get($"/lb/{policy}/{i}")))]);
    }

    [Theory]
    [InlineData("shop", ".Shop.Affinity")]
    [InlineData("legacy", "ARRAffinity")]
    public async Task A_hash_cookie_pins_a_client_to_the_same_destination_on_repeat(string route, string cookieName)
    {
        // The cookie carries a hash of the destination id only, so a cluster whose sole destination is
        // "b" issues b's cookie; with it, the other cluster must keep sending to b, not to its first choice a.
        var issued = await proxies.Pair.CompareAsync(Exchange.Get($"/{route}/first"), Exchange.Get($"/{route}-b/first"));
        var pinnedToB = CookieValue(issued[1].Yarp, cookieName);

        var repeats = await proxies.Pair.CompareAsync(
            [.. Enumerable.Range(0, 4).Select(i => Exchange.Get($"/{route}/cart/{i}").WithHeader("Cookie", $"{cookieName}={pinnedToB}"))]);

        Assert.Equal("a", issued[0].Yarp["backend"]);
        Assert.All(repeats, r => Assert.Equal("b", r.Yarp["backend"]));
    }

    [Fact]
    public async Task Health_check_sections_are_accepted_and_healthy_destinations_answer_alike()
    {
        await proxies.Pair.CompareAsync(
            [.. Enumerable.Range(0, 4).Select(i => Exchange.Get($"/checked/{i}")), Exchange.Send("POST", "/checked/order", "1 book")]);
    }

    [Theory]
    [InlineData("Cookie", "HashCookie")]
    [InlineData("CustomHeader", "KeyedHeader")]
    public void Affinity_encrypted_with_a_per_node_key_is_refused_naming_the_field(string policy, string alternative)
    {
        var json = $$"""
        {
          "ReverseProxy": {
            "Routes": { "shop": { "ClusterId": "shop", "Match": { "Path": "/{**rest}" } } },
            "Clusters": {
              "shop": {
                "SessionAffinity": { "Enabled": true, "Policy": "{{policy}}", "AffinityKeyName": "Shop-Affinity" },
                "Destinations": { "a": { "Address": "backend:a" } }
              }
            }
          }
        }
        """;

        var refusal = Assert.Single(ProxyPair.ClusterLBRefusals(json));

        Assert.Equal("ReverseProxy:Clusters:shop:SessionAffinity:Policy", refusal.Field);
        Assert.Contains($"use '{alternative}'", refusal.Message);
    }

    private static string CookieValue(Observation observation, string cookieName)
    {
        var setCookie = observation["response.header.set-cookie"] ?? throw new InvalidOperationException("no affinity cookie was issued");
        var pair = setCookie.Split(';')[0].Split('=', 2);
        Assert.Equal(cookieName, pair[0]);
        return pair[1];
    }
}
