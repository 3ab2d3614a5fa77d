namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>
/// Route timeouts (YARP's timeouts article: the bare app adds the request timeouts middleware),
/// request body limits, metadata, and the cluster's <c>HttpRequest</c> settings.
/// </summary>
public sealed class RequestLimitCompatibilityTests(RequestLimitCompatibilityTests.Configuration proxies)
    : IClassFixture<RequestLimitCompatibilityTests.Configuration>
{
    public sealed class Configuration : ProxyPairFixture
    {
        public Configuration()
            : base(Json, YarpFeatures.RequestTimeouts)
        {
        }

        private const string Json = """
        {
          "ReverseProxy": {
            "Routes": {
              "reports": { "ClusterId": "app", "Timeout": "00:00:00.300", "Match": { "Path": "/reports/{**rest}" } },
              "uploads": { "ClusterId": "app", "MaxRequestBodySize": 16, "Match": { "Path": "/uploads/{**rest}" } },
              "unlimited": { "ClusterId": "app", "MaxRequestBodySize": -1, "Match": { "Path": "/unlimited/{**rest}" } },
              "tagged": { "ClusterId": "app", "Metadata": { "Team": "payments", "Tier": "gold" }, "Match": { "Path": "/tagged/{**rest}" } },
              "idle": { "ClusterId": "impatient", "Match": { "Path": "/idle/{**rest}" } },
              "http2": { "ClusterId": "http2", "Match": { "Path": "/h2/{**rest}" } },
              "http2-only": { "ClusterId": "http2-only", "Match": { "Path": "/h2-only/{**rest}" } }
            },
            "Clusters": {
              "app": { "Destinations": { "app-1": { "Address": "backend:app" } } },
              "impatient": {
                "HttpRequest": { "ActivityTimeout": "00:00:00.300", "Version": "1.1", "VersionPolicy": "RequestVersionOrLower" },
                "Destinations": { "app-1": { "Address": "backend:app" } }
              },
              "http2": {
                "HttpRequest": { "Version": "2", "VersionPolicy": "RequestVersionOrLower", "AllowResponseBuffering": false },
                "Destinations": { "app-1": { "Address": "backend:app" } }
              },
              "http2-only": {
                "HttpRequest": { "Version": "2", "VersionPolicy": "RequestVersionExact" },
                "Destinations": { "app-1": { "Address": "backend:app" } }
              }
            }
          }
        }
        """;
    }

    [Fact]
    public async Task A_backend_slower_than_the_route_timeout_is_cut_off_by_both()
    {
        var observed = await proxies.Pair.CompareAsync(Exchange.Get("/reports/slow/yearly"), Exchange.Get("/reports/fast"));

        Assert.Equal(504, observed[0].ClusterLB.Status);
        Assert.Equal(400, observed[0].Yarp.Status); // see DocumentedDifferences.RouteTimeoutIsAGatewayTimeout
    }

    [Fact]
    public async Task A_body_over_the_route_limit_is_refused_and_one_within_it_forwarded()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Send("POST", "/uploads/small", "0123456789"),
            Exchange.Send("POST", "/uploads/large", new string('x', 1000)),
            Exchange.Send("POST", "/unlimited/large", new string('x', 100_000)));

        Assert.Equal(413, observed[1].Yarp.Status);
    }

    [Fact]
    public async Task Metadata_does_not_change_the_answer()
    {
        await proxies.Pair.CompareAsync(Exchange.Get("/tagged/a"), Exchange.Send("DELETE", "/tagged/b"));
    }

    [Fact]
    public async Task Cluster_http_request_settings_apply_to_forwarded_requests()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Get("/idle/fast"),
            Exchange.Get("/idle/slow"),
            Exchange.Get("/h2/a"),
            Exchange.Send("POST", "/h2/b", "payload"),
            Exchange.Get("/h2-only/a"));

        Assert.Equal(504, observed[1].Yarp.Status);
        Assert.Equal("HTTP/1.1", observed[2].Yarp["backend.protocol"]); // no HTTP/2 without TLS unless asked for exactly
        Assert.Equal(502, observed[4].Yarp.Status); // the backend speaks HTTP/2 only over TLS
    }
}
