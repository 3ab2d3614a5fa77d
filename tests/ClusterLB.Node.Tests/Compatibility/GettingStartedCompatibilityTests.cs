namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>
/// Configurations as a YARP user writes them from the getting-started, http-client-config,
/// authn-authz and cors articles, each pasted whole into both proxies.
/// </summary>
public sealed class GettingStartedCompatibilityTests
{
    private static readonly Exchange[] EverydayRequests =
    [
        Exchange.Get("/"),
        Exchange.Get("/products/42?view=full"),
        Exchange.Send("POST", "/orders", "{\"sku\":\"42\"}").WithHeader("Accept", "application/json"),
        Exchange.Send("DELETE", "/orders/7"),
    ];

    [Fact]
    public async Task The_getting_started_catch_all_route_forwards_everything()
    {
        await using var proxies = await ProxyPair.StartAsync(GettingStarted("{**catch-all}"));

        await proxies.CompareAsync(EverydayRequests);
    }

    [Fact]
    public async Task A_catch_all_route_with_a_leading_slash_forwards_everything()
    {
        await using var proxies = await ProxyPair.StartAsync(GettingStarted("/{**catch-all}"));

        await proxies.CompareAsync(EverydayRequests);
    }

    [Fact]
    public async Task Cluster_http_client_settings_are_accepted()
    {
        const string json = """
        {
          "ReverseProxy": {
            "Routes": { "api": { "ClusterId": "api", "Match": { "Path": "/{**catch-all}" } } },
            "Clusters": {
              "api": {
                "HttpClient": {
                  "SslProtocols": [ "Tls12", "Tls13" ],
                  "DangerousAcceptAnyServerCertificate": false,
                  "MaxConnectionsPerServer": 64,
                  "EnableMultipleHttp2Connections": true,
                  "RequestHeaderEncoding": "utf-8",
                  "ResponseHeaderEncoding": "utf-8"
                },
                "Destinations": { "api-1": { "Address": "backend:api" } }
              }
            }
          }
        }
        """;
        await using var proxies = await ProxyPair.StartAsync(json);

        await proxies.CompareAsync(EverydayRequests);
    }

    [Fact]
    public async Task Anonymous_authorization_and_disabled_cors_let_every_request_through()
    {
        const string json = """
        {
          "ReverseProxy": {
            "Routes": {
              "open": { "ClusterId": "api", "AuthorizationPolicy": "Anonymous", "Match": { "Path": "/open/{**rest}" } },
              "no-cors": { "ClusterId": "api", "CorsPolicy": "disable", "Match": { "Path": "/no-cors/{**rest}" } }
            },
            "Clusters": { "api": { "Destinations": { "api-1": { "Address": "backend:api" } } } }
          }
        }
        """;
        await using var proxies = await ProxyPair.StartAsync(json, YarpFeatures.Authorization | YarpFeatures.Cors);

        await proxies.CompareAsync(
            Exchange.Get("/open/report"),
            Exchange.Get("/no-cors/data").WithHeader("Origin", "https://elsewhere.example"),
            Exchange.Send("OPTIONS", "/no-cors/data").WithHeader("Origin", "https://elsewhere.example").WithHeader("Access-Control-Request-Method", "PUT"));
    }

    private static string GettingStarted(string path) => $$"""
        {
          "ReverseProxy": {
            "Routes": { "route1": { "ClusterId": "cluster1", "Match": { "Path": "{{path}}" } } },
            "Clusters": { "cluster1": { "Destinations": { "destination1": { "Address": "backend:site" } } } }
          }
        }
        """;
}
