using System.Net;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Policies;

/// <summary>CORS and authorization policies defined in the routing table, served to real browsers' requests.</summary>
public sealed class TableAccessPolicyTests
{
    private const string App = "https://app.example";

    [Fact]
    public async Task A_table_cors_policy_answers_allowed_origins_and_a_change_takes_effect_on_the_next_request()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = new RouteSettings()
            .Route("web", "/web", "backends").With("ReverseProxy:Routes:web:CorsPolicy", "browsers")
            .Cluster("backends", ("alpha", backends[0].Url))
            .With("ClusterLB:Policies:Cors:browsers:Origins:0", App)
            .With("ClusterLB:Policies:Cors:browsers:Methods:0", "GET")
            .With("ClusterLB:Policies:Cors:browsers:Methods:1", "PUT")
            .With("ClusterLB:Policies:Cors:browsers:Headers:0", "X-Tenant")
            .With("ClusterLB:Policies:Cors:browsers:ExposedHeaders:0", "X-Backend")
            .With("ClusterLB:Policies:Cors:browsers:AllowCredentials", "true")
            .With("ClusterLB:Policies:Cors:browsers:MaxAge", "00:10:00");
        await using var node = await TestNode.StartAsync(settings); // the policy and the route naming it, seeded together

        using var allowed = await PreflightAsync(node, App);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(App, Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(allowed, "Access-Control-Allow-Credentials"));
        Assert.Equal("GET,PUT", Header(allowed, "Access-Control-Allow-Methods"));
        Assert.Equal("X-Tenant", Header(allowed, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(allowed, "Access-Control-Max-Age"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/web/page");
        request.Headers.Add("Origin", App);
        using var simple = await node.Proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, simple.StatusCode);
        Assert.Equal(App, Header(simple, "Access-Control-Allow-Origin"));
        Assert.Equal("X-Backend", Header(simple, "Access-Control-Expose-Headers"));

        using var unlisted = await PreflightAsync(node, "https://other.example");
        Assert.False(unlisted.Headers.Contains("Access-Control-Allow-Origin"));

        using var changed = await node.Admin.PutAsync("/admin/policies", Json.Body($$"""
            { "Cors": { "browsers": { "Origins": [ "{{App}}", "https://other.example" ] } } }
            """));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await Eventually.True(async () =>
        {
            using var preflight = await PreflightAsync(node, "https://other.example");
            return Header(preflight, "Access-Control-Allow-Origin") == "https://other.example";
        }, TimeSpan.FromSeconds(10), "the new origin allowed");
    }

    [Fact]
    public async Task A_policy_and_a_route_naming_it_can_be_added_through_the_admin_api()
    {
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(new RouteSettings().Cluster("backends", ("alpha", backends[0].Url)));

        using var policies = await node.Admin.PutAsync("/admin/policies", Json.Body("""
            { "Authorization": { "staff": { "Roles": [ "staff" ], "Claims": { "tenant": [] } } }, "Cors": { "browsers": { "Origins": [ "*" ] } } }
            """));
        Assert.Equal(HttpStatusCode.OK, policies.StatusCode);
        using var route = await node.Admin.PutAsync("/admin/routes/staff", Json.Body("""
            { "ClusterId": "backends", "Match": { "Path": "/staff/{**rest}" }, "AuthorizationPolicy": "staff", "CorsPolicy": "browsers" }
            """));
        Assert.Equal(HttpStatusCode.OK, route.StatusCode);

        // No authentication scheme configured: nobody is signed in, so the policy answers 401.
        await Eventually.True(async () => (await node.Proxy.GetAsync("/staff/")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "the route served with its policy");

        // A policy a route still names cannot be removed.
        using var removal = await node.Admin.PutAsync("/admin/policies", Json.Body("""{ "Cors": { "browsers": { "Origins": [ "*" ] } } }"""));
        Assert.Equal(HttpStatusCode.BadRequest, removal.StatusCode);
        Assert.Contains("Routes:staff:AuthorizationPolicy", await removal.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_route_naming_a_policy_defined_nowhere_is_refused_naming_the_field()
    {
        await using var node = await TestNode.StartAsync(new RouteSettings().Cluster("backends", ("one", "http://127.0.0.1:5999/"))
            .With("ClusterLB:Policies:Cors:browsers:Origins:0", App));

        using var refused = await node.Admin.PutAsync("/admin/routes/web", Json.Body("""
            { "ClusterId": "backends", "Match": { "Path": "/web" }, "CorsPolicy": "browser" }
            """));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Routes:web:CorsPolicy", await refused.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{ "Cors": { "web": { "Origins": [ "app.example" ] } } }""", "Policies:Cors:web:Origins:0")]
    [InlineData("""{ "Cors": { "web": { "Origins": [ "https://app.example/login" ] } } }""", "Policies:Cors:web:Origins:0")]
    [InlineData("""{ "Cors": { "web": { "Origins": [ "*" ], "AllowCredentials": true } } }""", "Policies:Cors:web:AllowCredentials")]
    [InlineData("""{ "Cors": { "web": { "Origins": [ "*" ], "MaxAge": "-00:00:01" } } }""", "Policies:Cors:web:MaxAge")]
    [InlineData("""{ "Cors": { "Disable": { "Origins": [ "*" ] } } }""", "Policies:Cors:Disable")]
    [InlineData("""{ "Authorization": { "anonymous": { "Roles": [ "staff" ] } } }""", "Policies:Authorization:anonymous")]
    [InlineData("""{ "Authorization": { "open": { "RequireAuthenticatedUser": false } } }""", "Policies:Authorization:open")]
    public async Task A_bad_policy_is_refused_naming_the_field_and_nothing_is_applied(string body, string field)
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>());
        var before = await node.Admin.GetStringAsync("/admin/policies");

        using var refused = await node.Admin.PutAsync("/admin/policies", Json.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(field, await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, await node.Admin.GetStringAsync("/admin/policies"));
    }

    [Fact]
    public void Policies_written_in_appsettings_json_read_as_written()
    {
        var json = """
            {
              "ClusterLB": {
                "Policies": {
                  "Cors": { "shop": { "Origins": [ "https://shop.example" ], "MaxAge": "00:10:00" } },
                  "Authorization": { "tenants": { "Roles": [ "admin" ], "Claims": { "region": [ "eu", "us" ] } } }
                }
              }
            }
            """;
        var configuration = NodeConfiguration.Read(new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build());

        Assert.Empty(configuration.Errors);
        var tenants = configuration.ConfiguredTable.Policies.Authorization!["tenants"];
        Assert.True(tenants.RequireAuthenticatedUser);
        Assert.Equal(["admin"], tenants.Roles!);
        Assert.Equal(["eu", "us"], tenants.Claims!["region"]);
        Assert.Equal(TimeSpan.FromMinutes(10), configuration.ConfiguredTable.Policies.Cors!["shop"].MaxAge);
    }

    private static async Task<HttpResponseMessage> PreflightAsync(TestNode node, string origin)
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/web/page");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "X-Tenant");
        return await node.Proxy.SendAsync(preflight);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
