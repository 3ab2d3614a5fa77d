namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>
/// Route matching as YARP documents it (config-files, header-routing, queryparameter-routing): path
/// patterns and order, hosts, methods, every header and query parameter match mode. Each route
/// names itself in an X-Route header, so the backend shows which route won.
/// </summary>
public sealed class RouteMatchingCompatibilityTests(RouteMatchingCompatibilityTests.Configuration proxies)
    : IClassFixture<RouteMatchingCompatibilityTests.Configuration>
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
              "fallback": { "ClusterId": "app", "Match": { "Path": "/{**catch-all}" }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "fallback" } ] },
              "item-by-id": { "ClusterId": "app", "Match": { "Path": "/items/{id}" }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "item-by-id" } ] },
              "item-special": { "ClusterId": "app", "Match": { "Path": "/items/special" }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "item-special" } ] },
              "orders-any": { "ClusterId": "app", "Order": -1, "Match": { "Path": "/orders/{**rest}" }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "orders-any" } ] },
              "orders-latest": { "ClusterId": "app", "Order": 1, "Match": { "Path": "/orders/latest" }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "orders-latest" } ] },
              "user-by-number": { "ClusterId": "app", "Match": { "Path": "/users/{id:int}" }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "user-by-number" } ] },
              "shop-host": { "ClusterId": "app", "Match": { "Hosts": [ "shop.example.com" ] }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "shop-host" } ] },
              "any-org-host": { "ClusterId": "app", "Match": { "Hosts": [ "*.example.org" ], "Path": "/web/{**rest}" }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "any-org-host" } ] },
              "host-with-port": { "ClusterId": "app", "Match": { "Hosts": [ "api.example.net:8443" ] }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "host-with-port" } ] },
              "writes": { "ClusterId": "app", "Match": { "Path": "/write", "Methods": [ "POST", "PUT" ] }, "Transforms": [ { "RequestHeader": "X-Route", "Set": "writes" } ] },
              "header-exact": {
                "ClusterId": "app",
                "Match": { "Path": "/h/exact", "Headers": [ { "Name": "X-Tenant", "Values": [ "alpha", "beta" ], "Mode": "ExactHeader" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "header-exact" } ]
              },
              "header-exact-case-sensitive": {
                "ClusterId": "app",
                "Match": { "Path": "/h/exact-case", "Headers": [ { "Name": "X-Tenant", "Values": [ "Alpha" ], "Mode": "ExactHeader", "IsCaseSensitive": true } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "header-exact-case-sensitive" } ]
              },
              "header-prefix": {
                "ClusterId": "app",
                "Match": { "Path": "/h/prefix", "Headers": [ { "Name": "Authorization", "Values": [ "Bearer " ], "Mode": "HeaderPrefix" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "header-prefix" } ]
              },
              "header-contains": {
                "ClusterId": "app",
                "Match": { "Path": "/h/contains", "Headers": [ { "Name": "X-Features", "Values": [ "beta" ], "Mode": "Contains" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "header-contains" } ]
              },
              "header-not-contains": {
                "ClusterId": "app",
                "Match": { "Path": "/h/not-contains", "Headers": [ { "Name": "X-Features", "Values": [ "internal" ], "Mode": "NotContains" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "header-not-contains" } ]
              },
              "header-exists": {
                "ClusterId": "app",
                "Match": { "Path": "/h/exists", "Headers": [ { "Name": "X-Canary", "Mode": "Exists" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "header-exists" } ]
              },
              "header-not-exists": {
                "ClusterId": "app",
                "Match": { "Path": "/h/not-exists", "Headers": [ { "Name": "X-Canary", "Mode": "NotExists" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "header-not-exists" } ]
              },
              "query-exact": {
                "ClusterId": "app",
                "Match": { "Path": "/q/exact", "QueryParameters": [ { "Name": "version", "Values": [ "1", "2" ], "Mode": "Exact" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "query-exact" } ]
              },
              "query-exact-case-sensitive": {
                "ClusterId": "app",
                "Match": { "Path": "/q/exact-case", "QueryParameters": [ { "Name": "region", "Values": [ "EU" ], "Mode": "Exact", "IsCaseSensitive": true } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "query-exact-case-sensitive" } ]
              },
              "query-contains": {
                "ClusterId": "app",
                "Match": { "Path": "/q/contains", "QueryParameters": [ { "Name": "tags", "Values": [ "new" ], "Mode": "Contains" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "query-contains" } ]
              },
              "query-not-contains": {
                "ClusterId": "app",
                "Match": { "Path": "/q/not-contains", "QueryParameters": [ { "Name": "tags", "Values": [ "hidden" ], "Mode": "NotContains" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "query-not-contains" } ]
              },
              "query-prefix": {
                "ClusterId": "app",
                "Match": { "Path": "/q/prefix", "QueryParameters": [ { "Name": "sku", "Values": [ "AB-" ], "Mode": "Prefix" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "query-prefix" } ]
              },
              "query-exists": {
                "ClusterId": "app",
                "Match": { "Path": "/q/exists", "QueryParameters": [ { "Name": "debug", "Mode": "Exists" } ] },
                "Transforms": [ { "RequestHeader": "X-Route", "Set": "query-exists" } ]
              }
            },
            "Clusters": {
              "app": { "Destinations": { "app-1": { "Address": "backend:app" } } }
            }
          }
        }
        """;
    }

    [Fact]
    public async Task Path_patterns_and_route_order_pick_the_same_route()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Get("/"),
            Exchange.Get("/anything/deep/below?x=1"),
            Exchange.Get("/items/42"),
            Exchange.Get("/items/special"),
            Exchange.Get("/items/42/extra"),
            Exchange.Get("/orders/latest"),
            Exchange.Get("/orders/7/lines"),
            Exchange.Get("/users/17"),
            Exchange.Get("/users/seventeen"),
            Exchange.Get("/ITEMS/Special"),
            Exchange.Get("/items/caf%C3%A9"));

        Assert.Equal("item-special", observed[3].Yarp["backend.header.x-route"]);
        Assert.Equal("orders-any", observed[5].Yarp["backend.header.x-route"]);
    }

    [Fact]
    public async Task Hosts_match_exactly_by_wildcard_and_with_a_port()
    {
        await proxies.Pair.CompareAsync(
            Exchange.Get("/cart").WithHost("shop.example.com"),
            Exchange.Get("/cart").WithHost("SHOP.example.com"),
            Exchange.Get("/cart").WithHost("shop.example.com:8080"),
            Exchange.Get("/web/index.html").WithHost("docs.example.org"),
            Exchange.Get("/web/index.html").WithHost("a.b.example.org"),
            Exchange.Get("/web/index.html").WithHost("example.org"),
            Exchange.Get("/v1").WithHost("api.example.net:8443"),
            Exchange.Get("/v1").WithHost("api.example.net"));
    }

    [Fact]
    public async Task Methods_restrict_a_route()
    {
        await proxies.Pair.CompareAsync(
            Exchange.Send("POST", "/write", "order"),
            Exchange.Send("PUT", "/write", "order"),
            Exchange.Get("/write"),
            Exchange.Send("DELETE", "/write"),
            Exchange.Send("HEAD", "/write"),
            Exchange.Send("OPTIONS", "/write"));
    }

    [Fact]
    public async Task Headers_match_in_every_mode()
    {
        await proxies.Pair.CompareAsync(
            Exchange.Get("/h/exact").WithHeader("X-Tenant", "alpha"),
            Exchange.Get("/h/exact").WithHeader("X-Tenant", "BETA"),
            Exchange.Get("/h/exact").WithHeader("X-Tenant", "gamma"),
            Exchange.Get("/h/exact").WithHeader("X-Tenant", "alpha, beta"),
            Exchange.Get("/h/exact"),
            Exchange.Get("/h/exact-case").WithHeader("X-Tenant", "Alpha"),
            Exchange.Get("/h/exact-case").WithHeader("X-Tenant", "alpha"),
            Exchange.Get("/h/prefix").WithHeader("Authorization", "Bearer abc"),
            Exchange.Get("/h/prefix").WithHeader("Authorization", "Basic abc"),
            Exchange.Get("/h/contains").WithHeader("X-Features", "stable,beta-ui"),
            Exchange.Get("/h/contains").WithHeader("X-Features", "stable"),
            Exchange.Get("/h/not-contains").WithHeader("X-Features", "public"),
            Exchange.Get("/h/not-contains").WithHeader("X-Features", "internal-tools"),
            Exchange.Get("/h/not-contains"),
            Exchange.Get("/h/exists").WithHeader("X-Canary", "yes"),
            Exchange.Get("/h/exists").WithHeader("X-Canary", ""),
            Exchange.Get("/h/exists"),
            Exchange.Get("/h/not-exists"),
            Exchange.Get("/h/not-exists").WithHeader("X-Canary", "yes"));
    }

    [Fact]
    public async Task Query_parameters_match_in_every_mode()
    {
        await proxies.Pair.CompareAsync(
            Exchange.Get("/q/exact?version=1"),
            Exchange.Get("/q/exact?version=2&other=x"),
            Exchange.Get("/q/exact?version=3"),
            Exchange.Get("/q/exact?VERSION=1"),
            Exchange.Get("/q/exact"),
            Exchange.Get("/q/exact-case?region=EU"),
            Exchange.Get("/q/exact-case?region=eu"),
            Exchange.Get("/q/contains?tags=brand-new"),
            Exchange.Get("/q/contains?tags=old"),
            Exchange.Get("/q/not-contains?tags=visible"),
            Exchange.Get("/q/not-contains?tags=hidden-item"),
            Exchange.Get("/q/prefix?sku=AB-123"),
            Exchange.Get("/q/prefix?sku=ab-123"),
            Exchange.Get("/q/prefix?sku=XAB-1"),
            Exchange.Get("/q/exists?debug"),
            Exchange.Get("/q/exists?debug=true"),
            Exchange.Get("/q/exists?other=1"));
    }
}
