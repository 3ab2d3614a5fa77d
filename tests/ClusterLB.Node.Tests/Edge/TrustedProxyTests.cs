using System.Net;
using System.Net.Http.Json;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Edge;

/// <summary>A node behind a chain of trusted proxies (on loopback), trusting their request ids, adding Via, compressing by default.</summary>
public sealed class TrustedProxyFixture : IAsyncLifetime
{
    public EdgeBackend Backend { get; private set; } = null!;

    public Backends Named { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await EdgeBackend.StartAsync();
        Named = await Backends.StartAsync("alpha", "beta");
        Node = await TestNode.StartAsync(Json.Settings($$"""
        {
          "ClusterLB": {
            "Forwarding": { "TrustedProxies": [ "127.0.0.1" ], "TrustedNetworks": [ "10.20.0.0/16" ], "Via": "edge-1" },
            "RequestId": { "TrustIncoming": true },
            "ResponseHeaders": { "Remove": [ "X-Kept" ] },
            "Compression": { "Enabled": true, "MinimumSize": 0 },
            "Policies": {
              "RequestFiltering": { "documentation-clients": { "AllowedAddresses": [ "203.0.113.0/24", "2001:db8::/32" ] } }
            }
          },
          "ReverseProxy": {
            "Routes": {
              "clients": { "ClusterId": "backend", "Match": { "Path": "/clients/{**rest}" }, "Metadata": { "ClusterLB.RequestFilter": "documentation-clients" } },
              "open": { "ClusterId": "backend", "Match": { "Path": "/open/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/open" } ] },
              "raw": { "ClusterId": "backend", "Match": { "Path": "/raw/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/raw" } ],
                       "Metadata": { "ClusterLB.Compression": "off" } },
              "pinned": { "ClusterId": "pinned", "Match": { "Path": "/pinned/{**rest}" } }
            },
            "Clusters": {
              "backend": { "Destinations": { "one": { "Address": "{{Backend.Url}}" } } },
              "pinned": {
                "SessionAffinity": { "Enabled": true, "Policy": "KeyedClientIp", "AffinityKeyName": "client" },
                "Destinations": { "alpha": { "Address": "{{Named[0].Url}}" }, "beta": { "Address": "{{Named[1].Url}}" } }
              }
            }
          }
        }
        """));
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backend.DisposeAsync();
        await Named.DisposeAsync();
    }
}

public sealed class TrustedProxyTests(TrustedProxyFixture fixture) : IClassFixture<TrustedProxyFixture>
{
    private HttpClient Proxy => fixture.Node.Proxy;

    [Theory]
    [InlineData("203.0.113.7", HttpStatusCode.OK)]
    [InlineData("2001:db8::7", HttpStatusCode.OK)]
    [InlineData("198.51.100.7", HttpStatusCode.Forbidden)]
    [InlineData("203.0.113.7, 10.20.3.4", HttpStatusCode.OK)] // client, then a second trusted proxy
    [InlineData("203.0.113.7, 198.51.100.9", HttpStatusCode.Forbidden)] // the hop before 198.51.100.9 is not trusted
    public async Task Client_address_comes_from_forwarded_for_as_far_as_the_proxies_are_trusted(string forwardedFor, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/clients/report");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await Proxy.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Client_ip_affinity_keys_on_the_real_client_behind_the_trusted_proxy()
    {
        var chosen = new Dictionary<string, HashSet<string>>();
        for (var client = 1; client <= 12; client++)
        {
            var address = $"203.0.113.{client}";
            chosen[address] = [];
            for (var i = 0; i < 3; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/pinned/x");
                request.Headers.Add("X-Forwarded-For", address);
                using var response = await Proxy.SendAsync(request);
                chosen[address].Add(Assert.Single(response.Headers.GetValues(ClusterLB.EchoBackend.EchoServer.BackendHeader)));
            }
        }

        Assert.All(chosen.Values, backends => Assert.Single(backends)); // each client stays on one backend
        Assert.Equal(2, chosen.Values.SelectMany(b => b).Distinct().Count()); // clients are spread, not all keyed on the proxy's address
    }

    [Fact]
    public async Task Backend_is_told_the_real_client_and_the_via_hop()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/open/seen");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "shop.example");
        using var response = await Proxy.SendAsync(request);

        var seen = (await response.Content.ReadFromJsonAsync<SeenRequest>())!;
        Assert.Equal("203.0.113.7", seen.Header("X-Forwarded-For"));
        Assert.Equal("https", seen.Header("X-Forwarded-Proto"));
        Assert.Equal("shop.example", seen.Header("X-Forwarded-Host"));
        Assert.Equal("1.1 edge-1", seen.Header("Via"));
        Assert.Contains("1.1 edge-1", response.Headers.Via.Select(v => v.ToString()));
    }

    [Fact]
    public async Task Well_formed_request_id_from_a_trusted_setup_is_kept_end_to_end()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/open/seen");
        request.Headers.Add("X-Request-Id", "order-7f3a:42");
        using var response = await Proxy.SendAsync(request);

        Assert.Equal("order-7f3a:42", Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal("order-7f3a:42", (await response.Content.ReadFromJsonAsync<SeenRequest>())!.Header("X-Request-Id"));
    }

    [Fact]
    public async Task Malformed_request_id_is_replaced_even_when_ids_are_trusted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/open/seen");
        request.Headers.TryAddWithoutValidation("X-Request-Id", "<script>" + new string('x', 200));
        using var response = await Proxy.SendAsync(request);

        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(response.Headers.GetValues("X-Request-Id")));
    }

    [Fact]
    public async Task Configured_header_list_replaces_the_default_one()
    {
        using var response = await Proxy.GetAsync("/open/seen");

        Assert.False(response.Headers.Contains("X-Kept"));
        Assert.Equal("PHP/8.3.0", Assert.Single(response.Headers.GetValues("X-Powered-By")));
    }

    [Fact]
    public async Task Route_that_turns_compression_off_is_not_compressed_when_it_is_on_globally()
    {
        using var on = new HttpRequestMessage(HttpMethod.Get, "/open/text?size=4000");
        on.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        using var off = new HttpRequestMessage(HttpMethod.Get, "/raw/text?size=4000");
        off.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");

        using var compressed = await Proxy.SendAsync(on);
        using var uncompressed = await Proxy.SendAsync(off);

        Assert.Equal(["gzip"], compressed.Content.Headers.ContentEncoding);
        Assert.Empty(uncompressed.Content.Headers.ContentEncoding);
    }
}
