namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>Request and response transforms from YARP's transforms article, one route per transform.</summary>
public sealed class TransformCompatibilityTests(TransformCompatibilityTests.Configuration proxies)
    : IClassFixture<TransformCompatibilityTests.Configuration>
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
              "prefix": { "ClusterId": "app", "Match": { "Path": "/prefix/{**rest}" }, "Transforms": [ { "PathPrefix": "/v2" } ] },
              "remove-prefix": { "ClusterId": "app", "Match": { "Path": "/public/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/public" } ] },
              "pattern": { "ClusterId": "app", "Match": { "Path": "/plugins/{plugin}/files/{**remainder}" }, "Transforms": [ { "PathPattern": "/store/{plugin}/{**remainder}" } ] },
              "set": { "ClusterId": "app", "Match": { "Path": "/legacy/{**rest}" }, "Transforms": [ { "PathSet": "/modern" } ] },
              "query": {
                "ClusterId": "app",
                "Match": { "Path": "/query/{**rest}" },
                "Transforms": [
                  { "QueryValueParameter": "channel", "Set": "web" },
                  { "QueryValueParameter": "tag", "Append": "proxied" },
                  { "QueryRemoveParameter": "secret" }
                ]
              },
              "headers": {
                "ClusterId": "app",
                "Match": { "Path": "/headers/{**rest}" },
                "Transforms": [
                  { "RequestHeader": "X-Environment", "Set": "production" },
                  { "RequestHeader": "X-Via-Chain", "Append": "edge" },
                  { "RequestHeaderRemove": "X-Debug-Token" },
                  { "ResponseHeader": "X-Served-By", "Append": "edge", "When": "Always" },
                  { "ResponseHeader": "X-Success-Only", "Set": "yes", "When": "Success" },
                  { "ResponseHeaderRemove": "X-Backend-Answer" },
                  { "ResponseTrailer": "X-Checksum", "Set": "none" }
                ]
              },
              "no-copy": {
                "ClusterId": "app",
                "Match": { "Path": "/no-copy/{**rest}" },
                "Transforms": [ { "RequestHeadersCopy": "false" }, { "RequestHeader": "X-Only", "Set": "this" } ]
              },
              "original-host": { "ClusterId": "app", "Match": { "Path": "/original-host/{**rest}" }, "Transforms": [ { "RequestHeaderOriginalHost": "true" } ] },
              "x-forwarded": {
                "ClusterId": "app",
                "Match": { "Path": "/x-forwarded/{**rest}" },
                "Transforms": [ { "X-Forwarded": "Append", "Proto": "Set", "Prefix": "Off", "HeaderPrefix": "X-Original-" } ]
              },
              "x-forwarded-off": { "ClusterId": "app", "Match": { "Path": "/x-forwarded-off/{**rest}" }, "Transforms": [ { "X-Forwarded": "Off" } ] },
              "forwarded": {
                "ClusterId": "app",
                "Match": { "Path": "/forwarded/{**rest}" },
                "Transforms": [ { "Forwarded": "by,for,host,proto", "ForFormat": "Ip", "ByFormat": "Unknown", "Action": "Append" } ]
              },
              "method": { "ClusterId": "app", "Match": { "Path": "/method/{**rest}" }, "Transforms": [ { "HttpMethodChange": "PUT", "Set": "POST" } ] },
              "client-cert": { "ClusterId": "app", "Match": { "Path": "/client-cert/{**rest}" }, "Transforms": [ { "ClientCert": "X-Client-Cert" } ] }
            },
            "Clusters": {
              "app": { "Destinations": { "app-1": { "Address": "backend:app" } } }
            }
          }
        }
        """;
    }

    [Fact]
    public async Task Path_transforms_rewrite_the_path_the_same_way()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Get("/prefix/items?id=1"),
            Exchange.Get("/public/index.html"),
            Exchange.Get("/public"),
            Exchange.Get("/plugins/images/files/2024/cat.png"),
            Exchange.Get("/plugins/images/files/a%20b"),
            Exchange.Get("/legacy/anything?keep=1"));

        Assert.Equal("/v2/prefix/items", observed[0].Yarp["backend.path"]);
        Assert.Equal("/store/images/2024/cat.png", observed[3].Yarp["backend.path"]);
    }

    [Fact]
    public async Task Query_transforms_set_append_and_remove_parameters()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Get("/query/search?q=shoes"),
            Exchange.Get("/query/search?channel=app&tag=a&secret=s3cr3t"),
            Exchange.Get("/query/search"));

        Assert.DoesNotContain("secret", observed[1].Yarp["backend.query"]);
    }

    [Fact]
    public async Task Header_transforms_set_append_and_remove_request_and_response_headers()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Get("/headers/a"),
            Exchange.Get("/headers/a").WithHeader("X-Environment", "dev").WithHeader("X-Via-Chain", "client").WithHeader("X-Debug-Token", "t"),
            Exchange.Send("POST", "/headers/b", "payload"),
            Exchange.Get("/no-copy/a").WithHeader("X-Custom", "dropped").WithHeader("Accept", "text/plain"),
            Exchange.Get("/original-host/a"),
            Exchange.Get("/original-host/a").WithHost("shop.example.com"));

        Assert.Equal("production", observed[1].Yarp["backend.header.x-environment"]);
        Assert.Null(observed[1].Yarp["backend.header.x-debug-token"]);
        Assert.Equal("edge", observed[0].Yarp["response.header.x-served-by"]);
        Assert.Null(observed[0].Yarp["response.header." + CapturingBackend.AnswerHeader.ToLowerInvariant()]);
    }

    [Fact]
    public async Task Forwarding_headers_are_written_as_configured()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Get("/headers/default-x-forwarded"),
            Exchange.Get("/headers/default-x-forwarded").WithHeader("X-Forwarded-For", "203.0.113.7").WithHost("shop.example.com"),
            Exchange.Get("/x-forwarded/a").WithHeader("X-Original-For", "203.0.113.7"),
            Exchange.Get("/x-forwarded-off/a").WithHeader("X-Forwarded-For", "203.0.113.7"),
            Exchange.Get("/forwarded/a"),
            Exchange.Get("/forwarded/a").WithHeader("Forwarded", "for=203.0.113.7").WithHost("shop.example.com"));

        Assert.Equal("{proxy}", observed[0].Yarp["backend.header.x-forwarded-host"]);
        Assert.Contains("for=127.0.0.1", observed[4].Yarp["backend.header.forwarded"]);
    }

    [Fact]
    public async Task Method_change_and_client_certificate_transforms()
    {
        var observed = await proxies.Pair.CompareAsync(
            Exchange.Send("PUT", "/method/a", "body"),
            Exchange.Send("PATCH", "/method/a", "body"),
            Exchange.Get("/client-cert/a").WithHeader("X-Client-Cert", "forged-by-the-client"));

        Assert.Equal("POST", observed[0].Yarp["backend.method"]);
        Assert.Null(observed[2].Yarp["backend.header.x-client-cert"]);
    }
}
