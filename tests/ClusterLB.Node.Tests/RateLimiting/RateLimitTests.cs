using System.Net;
using System.Net.Http.Json;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.RateLimiting;

public sealed class RateLimitTests
{
    private static RouteSettings LimitedRoute(Backends backends, string policy) => new RouteSettings()
        .Route("api", "/api", "backends")
        .With("ReverseProxy:Routes:api:RateLimiterPolicy", policy)
        .Cluster("backends", ("one", backends[0].Url));

    private static RouteSettings Policy(RouteSettings settings, string name, params (string Field, string Value)[] fields)
    {
        foreach (var (field, value) in fields)
        {
            settings.With($"ClusterLB:Policies:RateLimiting:{name}:{field}", value);
        }

        return settings;
    }

    [Theory]
    [InlineData("TokenBucket", "TokensPerPeriod", "1", "ReplenishmentPeriod", "01:00:00")]
    [InlineData("FixedWindow", "Window", "01:00:00", "Window", "01:00:00")]
    [InlineData("SlidingWindow", "Window", "01:00:00", "SegmentsPerWindow", "6")]
    public async Task Each_kind_answers_429_with_Retry_After_once_the_limit_is_reached(string kind, string field1, string value1, string field2, string value2)
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = Policy(LimitedRoute(backends, "three"), "three",
            ("Kind", kind), ("PermitLimit", "3"), (field1, value1), (field2, value2));
        await using var node = await TestNode.StartAsync(settings);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/api/")).StatusCode);
        }

        using var refused = await node.Proxy.GetAsync("/api/");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

        var status = await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status");
        Assert.Equal(3, status!.RateLimiting!.Admitted);
        Assert.Equal(1, status.RateLimiting.Rejected);
    }

    [Fact]
    public async Task Each_client_key_has_its_own_limit()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = Policy(LimitedRoute(backends, "per-client"), "per-client",
            ("Kind", "FixedWindow"), ("PermitLimit", "2"), ("Window", "01:00:00"), ("Key", "Header"), ("KeyName", "X-Client"));
        await using var node = await TestNode.StartAsync(settings);

        async Task<HttpStatusCode> As(string client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/");
            request.Headers.Add("X-Client", client);
            using var response = await node.Proxy.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await As("alice"));
        Assert.Equal(HttpStatusCode.OK, await As("alice"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await As("alice"));
        Assert.Equal(HttpStatusCode.OK, await As("bob"));
        Assert.Equal(HttpStatusCode.OK, await As("bob"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await As("bob"));
    }

    [Fact]
    public async Task A_concurrency_limit_refuses_requests_beyond_those_in_flight_and_admits_again_when_they_end()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = Policy(LimitedRoute(backends, "two-at-once"), "two-at-once", ("Kind", "Concurrency"), ("PermitLimit", "2"));
        await using var node = await TestNode.StartAsync(settings);

        var slow = new[] { node.Proxy.GetAsync("/api/?delay=4000"), node.Proxy.GetAsync("/api/?delay=4000") };
        await Eventually.True(
            async () => (await node.Admin.GetFromJsonAsync<NodeStatus>("/admin/status"))!.RateLimiting!.Admitted == 2,
            TimeSpan.FromSeconds(4),
            "both slow requests admitted");

        using (var refused = await node.Proxy.GetAsync("/api/"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        }

        foreach (var response in await Task.WhenAll(slow))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(HttpStatusCode.OK, (await node.Proxy.GetAsync("/api/")).StatusCode);
    }

    [Fact]
    public async Task Policies_set_through_the_admin_API_limit_routes_at_once()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = new RouteSettings().Route("api", "/api", "backends").Cluster("backends", ("one", backends[0].Url));
        await using var node = await TestNode.StartAsync(settings);

        using var policies = await node.Admin.PutAsync("/admin/policies", Json.Body(
            """{ "RateLimiting": { "one": { "Kind": "FixedWindow", "PermitLimit": 1, "Window": "01:00:00" } } }"""));
        Assert.Equal(HttpStatusCode.OK, policies.StatusCode);
        using var route = await node.Admin.PutAsync("/admin/routes/api", Json.Body(
            """{ "ClusterId": "backends", "Match": { "Path": "/api/{**rest}" }, "RateLimiterPolicy": "one" }"""));
        Assert.Equal(HttpStatusCode.OK, route.StatusCode);

        await Eventually.True(
            async () => (await node.Proxy.GetAsync("/api/")).StatusCode == HttpStatusCode.TooManyRequests,
            TimeSpan.FromSeconds(10),
            "the route limited to one request");
    }

    [Fact]
    public async Task Bad_policies_and_routes_naming_an_undefined_policy_are_refused_naming_the_field()
    {
        await using var backends = await Backends.StartAsync("alpha");
        var settings = Policy(LimitedRoute(backends, "one"), "one", ("Kind", "Concurrency"), ("PermitLimit", "1"));
        await using var node = await TestNode.StartAsync(settings);

        using var zero = await node.Admin.PutAsync("/admin/policies", Json.Body(
            """{ "RateLimiting": { "one": { "Kind": "Concurrency", "PermitLimit": 1 }, "none": { "Kind": "FixedWindow", "PermitLimit": 0, "Window": "00:00:01" } } }"""));
        Assert.Equal(HttpStatusCode.BadRequest, zero.StatusCode);
        Assert.Contains("Policies:RateLimiting:none:PermitLimit", await zero.Content.ReadAsStringAsync());

        using var header = await node.Admin.PutAsync("/admin/policies", Json.Body(
            """{ "RateLimiting": { "one": { "Kind": "Concurrency", "PermitLimit": 1, "Key": "Header" } } }"""));
        Assert.Equal(HttpStatusCode.BadRequest, header.StatusCode);
        Assert.Contains("Policies:RateLimiting:one:KeyName", await header.Content.ReadAsStringAsync());

        // Removing the policy the route names would leave the route naming nothing.
        using var removed = await node.Admin.PutAsync("/admin/policies", Json.Body("""{ "RateLimiting": { } }"""));
        Assert.Equal(HttpStatusCode.BadRequest, removed.StatusCode);
        Assert.Contains("Routes:api:RateLimiterPolicy", await removed.Content.ReadAsStringAsync());

        using var undefined = await node.Admin.PutAsync("/admin/routes/other", Json.Body(
            """{ "ClusterId": "backends", "Match": { "Path": "/other" }, "RateLimiterPolicy": "missing" }"""));
        Assert.Equal(HttpStatusCode.BadRequest, undefined.StatusCode);
        var body = await undefined.Content.ReadAsStringAsync();
        Assert.Contains("Routes:other:RateLimiterPolicy", body);
        Assert.Contains("'missing'", body);
    }
}
