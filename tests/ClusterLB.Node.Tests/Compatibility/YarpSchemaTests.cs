using System.Net;
using System.Net.Http.Json;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Hosting;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>
/// YARP 2.3's whole configuration schema, pasted as a YARP app's appsettings.json holds it: accepted,
/// returned by the admin API, persisted, applied by YARP; typos named with the field meant; route
/// policies working as in a YARP app.
/// </summary>
public sealed class YarpSchemaTests
{
    /// <summary>Every field of RouteConfig, RouteMatch, ClusterConfig and what they hold.</summary>
    private static string FullSchema(string backend) => $$"""
        {
          "ReverseProxy": {
            "Routes": {
              "all": {
                "ClusterId": "backends",
                "Order": 10,
                "AuthorizationPolicy": "Anonymous",
                "CorsPolicy": "disable",
                "RateLimiterPolicy": "disable",
                "TimeoutPolicy": "disable",
                "MaxRequestBodySize": 1000000,
                "Match": {
                  "Path": "{**catch-all}",
                  "Methods": [ "GET", "POST" ],
                  "Hosts": [ "127.0.0.1", "localhost" ],
                  "Headers": [ { "Name": "X-Tenant", "Values": [ "acme" ], "Mode": "HeaderPrefix", "IsCaseSensitive": true } ],
                  "QueryParameters": [ { "Name": "v", "Values": [ "1" ], "Mode": "Exact" } ]
                },
                "Metadata": { "team": "edge" },
                "Transforms": [ { "RequestHeader": "X-From", "Set": "clusterlb" } ]
              }
            },
            "Clusters": {
              "backends": {
                "LoadBalancingPolicy": "RoundRobin",
                "SessionAffinity": {
                  "Enabled": true, "Policy": "HashCookie", "FailurePolicy": "Redistribute", "AffinityKeyName": ".Affinity",
                  "Cookie": { "Path": "/", "Domain": "localhost", "HttpOnly": true, "SecurePolicy": "SameAsRequest", "SameSite": "Lax",
                              "Expiration": "01:00:00", "MaxAge": "01:00:00", "IsEssential": true }
                },
                "HealthCheck": {
                  "Active": { "Enabled": true, "Interval": "00:00:10", "Timeout": "00:00:05", "Policy": "ConsecutiveFailures", "Path": "/health", "Query": "?full=1" },
                  "Passive": { "Enabled": true, "Policy": "TransportFailureRate", "ReactivationPeriod": "00:01:00" },
                  "AvailableDestinationsPolicy": "HealthyOrPanic"
                },
                "HttpClient": {
                  "SslProtocols": [ "Tls12", "Tls13" ],
                  "DangerousAcceptAnyServerCertificate": false,
                  "MaxConnectionsPerServer": 64,
                  "EnableMultipleHttp2Connections": true,
                  "RequestHeaderEncoding": "utf-8",
                  "ResponseHeaderEncoding": "utf-8",
                  "WebProxy": { "Address": "http://127.0.0.1:3128", "BypassOnLocal": true, "UseDefaultCredentials": false }
                },
                "HttpRequest": { "ActivityTimeout": "00:02:00", "Version": "1.1", "VersionPolicy": "RequestVersionOrLower", "AllowResponseBuffering": false },
                "Metadata": { "ConsecutiveFailuresHealthPolicy.Threshold": "3", "TransportFailureRateHealthPolicy.RateLimit": "0.5" },
                "Destinations": {
                  "one": { "Address": "{{backend}}", "Health": "{{backend}}", "Host": "backend.local", "Metadata": { "zone": "a" } }
                }
              }
            }
          }
        }
        """;

    [Fact]
    public async Task The_whole_schema_is_accepted_returned_persisted_and_applied_by_yarp()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = Json.Settings(FullSchema(backends[0].Url));
        var configured = NodeConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        Assert.Empty(configured.Errors);
        var dataDirectory = TempDirectory.Create("clusterlb-schema");

        await using (var node = await TestNode.StartAsync(settings, dataDirectory))
        {
            Assert.True(configured.ConfiguredTable.HasSameContentAs(await ReadTableAsync(node)), "the admin API returns the table as configured");

            var yarp = node.Node.Services.GetRequiredService<IProxyStateLookup>();
            Assert.True(yarp.TryGetRoute("all", out var route));
            Assert.Equal(("Anonymous", "disable", "disable", "disable", "{**catch-all}"),
                (route.Config.AuthorizationPolicy, route.Config.CorsPolicy, route.Config.RateLimiterPolicy, route.Config.TimeoutPolicy, route.Config.Match.Path));
            Assert.True(yarp.TryGetCluster("backends", out var cluster));
            var client = cluster.Model.Config.HttpClient!;
            Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, client.SslProtocols);
            Assert.Equal((64, true, "utf-8", true), (client.MaxConnectionsPerServer, client.EnableMultipleHttp2Connections, client.RequestHeaderEncoding, client.WebProxy!.BypassOnLocal));
            Assert.Equal(new Uri("http://127.0.0.1:3128"), client.WebProxy.Address);

            using var request = new HttpRequestMessage(HttpMethod.Get, "/anything?v=1");
            request.Headers.Add("X-Tenant", "acme-1");
            using var response = await node.Proxy.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("clusterlb", echo.GetProperty("headers").GetProperty("X-From").GetString());
            Assert.Equal("backend.local", echo.GetProperty("headers").GetProperty("Host").GetString());

            using var unmatched = await node.Proxy.GetAsync("/anything?v=1"); // no X-Tenant header
            Assert.Equal(HttpStatusCode.NotFound, unmatched.StatusCode);
        }

        // Restarted without the section, the node runs the table it persisted.
        var withoutSection = settings.Where(s => !s.Key.StartsWith("ReverseProxy:", StringComparison.Ordinal)).ToDictionary();
        await using var restarted = await TestNode.StartAsync(withoutSection, dataDirectory);
        Assert.True(configured.ConfiguredTable.HasSameContentAs(await ReadTableAsync(restarted)), "the persisted table keeps every field");
    }

    [Theory]
    [InlineData("ReverseProxy:Routes:api:Mtach:Path", "ReverseProxy:Routes:api:Mtach", "did you mean 'Match'?")]
    [InlineData("ReverseProxy:Routes:api:Match:Hosst:0", "ReverseProxy:Routes:api:Match:Hosst", "did you mean 'Hosts'?")]
    [InlineData("ReverseProxy:Routes:api:AuthorisationPolicy", "ReverseProxy:Routes:api:AuthorisationPolicy", "did you mean 'AuthorizationPolicy'?")]
    [InlineData("ReverseProxy:Clusters:backends:HttpClinet:MaxConnectionsPerServer", "ReverseProxy:Clusters:backends:HttpClinet", "did you mean 'HttpClient'?")]
    [InlineData("ReverseProxy:Clusters:backends:HealthCheck:Active:Intervall", "ReverseProxy:Clusters:backends:HealthCheck:Active:Intervall", "did you mean 'Interval'?")]
    [InlineData("ReverseProxy:Clusters:backends:Destinations:one:Adress", "ReverseProxy:Clusters:backends:Destinations:one:Adress", "did you mean 'Address'?")]
    [InlineData("ReverseProxy:Clsuters:x", "ReverseProxy:Clsuters", "did you mean 'Clusters'?")]
    public void A_misspelt_field_is_refused_naming_the_field_meant(string key, string field, string hint)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ReverseProxy:Routes:api:ClusterId"] = "backends",
            ["ReverseProxy:Routes:api:Match:Path"] = "/api/{**rest}",
            ["ReverseProxy:Clusters:backends:Destinations:one:Address"] = "http://127.0.0.1:5999/",
            [key] = "1",
        };

        var configuration = NodeConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        var error = Assert.Single(configuration.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(hint, error.Message);
    }

    [Fact]
    public async Task A_misspelt_field_in_an_admin_change_is_refused_naming_the_field_meant()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>());

        using var response = await node.Admin.PutAsync("/admin/routes/api", new StringContent(
            """{ "ClusterId": "backends", "Match": { "Path": "/api", "Hosst": [ "a" ] } }""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Match.Hosst", body);
        Assert.Contains("did you mean 'Hosts'?", body);
    }

    [Theory]
    [InlineData("AuthorizationPolicy", "staff")]
    [InlineData("CorsPolicy", "partners")]
    [InlineData("RateLimiterPolicy", "per-client")]
    [InlineData("OutputCachePolicy", "static")]
    [InlineData("TimeoutPolicy", "patient")]
    public async Task A_route_naming_an_undefined_policy_is_refused_naming_the_field(string field, string policy)
    {
        var settings = new RouteSettings().Route("api", "/api", "backends").Cluster("backends", ("one", "http://127.0.0.1:5999/"));
        settings[$"ReverseProxy:Routes:api:{field}"] = policy;

        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>());
        var errors = await YarpErrorsAsync(settings);
        var error = Assert.Single(errors);
        Assert.Equal($"Routes:api:{field}", error.Field);
        Assert.Contains($"'{policy}'", error.Message);

        // The same route sent to the admin API is refused the same way, and nothing is applied.
        using var response = await node.Admin.PutAsync("/admin/clusters/backends", Json.Body("""{ "Destinations": { "one": { "Address": "http://127.0.0.1:5999/" } } }"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var refused = await node.Admin.PutAsync("/admin/routes/api", Json.Body($$"""{ "ClusterId": "backends", "Match": { "Path": "/api" }, "{{field}}": "{{policy}}" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains($"Routes:api:{field}", await refused.Content.ReadAsStringAsync());
        Assert.DoesNotContain("\"api\"", RoutingTableJson.Canonical(await ReadTableAsync(node)));
    }

    [Fact]
    public async Task Route_policies_work_as_in_a_yarp_app()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = new RouteSettings()
            .Route("open", "/open", "backends").With("ReverseProxy:Routes:open:AuthorizationPolicy", "Anonymous")
            .Route("signed-in", "/signed-in", "backends").With("ReverseProxy:Routes:signed-in:AuthorizationPolicy", "Default")
            .Route("staff", "/staff", "backends").With("ReverseProxy:Routes:staff:AuthorizationPolicy", "staff")
            .Route("partners", "/partners", "backends").With("ReverseProxy:Routes:partners:CorsPolicy", "partners")
            .Route("limited", "/limited", "backends").With("ReverseProxy:Routes:limited:RateLimiterPolicy", "one-a-minute")
            .Route("impatient", "/impatient", "backends").With("ReverseProxy:Routes:impatient:TimeoutPolicy", "impatient")
            .Route("cached", "/cached", "backends").With("ReverseProxy:Routes:cached:OutputCachePolicy", "cached")
            .Cluster("backends", ("alpha", backends[0].Url));
        await using var node = await TestNode.StartAsync(settings, services: services =>
        {
            // Named policies, defined as an application hosting the node (or a YARP app) defines them.
            services.AddAuthorizationBuilder().AddPolicy("staff", policy => policy.RequireRole("staff"));
            services.AddCors(cors => cors.AddPolicy("partners", policy => policy.WithOrigins("https://partner.example").AllowAnyMethod()));
            services.AddRateLimiter(limiter =>
            {
                limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                limiter.AddFixedWindowLimiter("one-a-minute", window => (window.PermitLimit, window.Window, window.QueueLimit) = (1, TimeSpan.FromMinutes(1), 0));
            });
            services.AddRequestTimeouts(timeouts => timeouts.AddPolicy("impatient", TimeSpan.FromMilliseconds(300)));
            services.AddOutputCache(cache => cache.AddPolicy("cached", policy => policy.Expire(TimeSpan.FromMinutes(1))));
        });

        Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/open/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await node.Proxy.GetAsync("/signed-in/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await node.Proxy.GetAsync("/staff/")).StatusCode);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/partners/");
        preflight.Headers.Add("Origin", "https://partner.example");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        using var allowed = await node.Proxy.SendAsync(preflight);
        Assert.Equal("https://partner.example", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));

        Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/limited/")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await node.Proxy.GetAsync("/limited/")).StatusCode);

        Assert.Equal(HttpStatusCode.GatewayTimeout, (await node.Proxy.GetAsync("/impatient/?delay=5000")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/impatient/")).StatusCode);

        var first = await node.Proxy.GetStringAsync("/cached/page");
        using var second = new HttpRequestMessage(HttpMethod.Get, "/cached/page");
        second.Headers.Add("X-Second", "yes");
        var replay = await (await node.Proxy.SendAsync(second)).Content.ReadAsStringAsync();
        Assert.Equal(first, replay); // answered from the cache: the backend never saw X-Second
    }

    private static async Task<IReadOnlyList<ValidationError>> YarpErrorsAsync(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration["ClusterLB:DataDirectory"] = TempDirectory.Create("clusterlb-policies");
        var configuration = NodeConfiguration.Read(builder.Configuration);
        Assert.Empty(configuration.Errors);
        await using var node = ClusterLBNode.Build(builder, configuration);
        return await node.ValidateWithYarpAsync();
    }

    private static async Task<RoutingTable> ReadTableAsync(TestNode node) =>
        JsonSerializer.Deserialize<RoutingTable>(await node.Admin.GetStringAsync("/admin/routing-table"), RoutingTableJson.Options)!;
}
