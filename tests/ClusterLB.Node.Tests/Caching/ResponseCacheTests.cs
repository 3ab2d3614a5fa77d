using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Caching;

/// <summary>
/// The shared response cache of one node in front of a real backend: RFC 9111 freshness and what
/// may be stored, Vary, revalidation with 304, collapsed misses, eviction by bytes, purge.
/// </summary>
public sealed class ResponseCacheTests(ResponseCacheTests.Fixture fixture) : IClassFixture<ResponseCacheTests.Fixture>
{
    private HttpClient Proxy => fixture.Node.Proxy;

    private CacheOrigin Origin => fixture.Origin;

    [Fact]
    public async Task A_fresh_answer_is_served_from_the_cache_with_its_age()
    {
        var path = Unique();
        var first = await GetAsync($"/cached{path}?cc=max-age=60");
        var second = await GetAsync($"/cached{path}?cc=max-age=60");

        Assert.Equal(("MISS", "HIT"), (first.Cache, second.Cache));
        Assert.Equal(first.Body, second.Body);
        Assert.NotNull(second.Age);
        Assert.Equal(1, Origin.Full(path));
    }

    [Theory]
    [InlineData("cc=no-store")]
    [InlineData("cc=private,max-age=60")]
    [InlineData("cc=max-age=60&cookie=1")]
    [InlineData("vary=*&cc=max-age=60")]
    public async Task Answers_a_shared_cache_must_not_store_go_to_the_backend_every_time(string query)
    {
        var path = Unique();
        await GetAsync($"/cached{path}?{query}");
        var second = await GetAsync($"/cached{path}?{query}");

        Assert.Equal("MISS", second.Cache);
        Assert.Equal(2, Origin.Full(path));
    }

    [Fact]
    public async Task Requests_with_authorization_bypass_the_cache_unless_the_policy_allows_them()
    {
        var path = Unique();
        for (var i = 0; i < 2; i++)
        {
            await GetAsync($"/cached{path}?cc=max-age=60", ("Authorization", "Bearer someone"));
            await GetAsync($"/trusting{path}?cc=max-age=60", ("Authorization", "Bearer someone"));
        }

        Assert.Equal(4 - 1, Origin.Full(path)); // twice through /cached, once through /trusting
    }

    [Fact]
    public async Task Vary_keeps_one_answer_per_value_of_the_varied_header()
    {
        var path = Unique();
        var english = await GetAsync($"/cached{path}?cc=max-age=60&vary=Accept-Language", ("Accept-Language", "en"));
        var englishAgain = await GetAsync($"/cached{path}?cc=max-age=60&vary=Accept-Language", ("Accept-Language", "en"));
        var german = await GetAsync($"/cached{path}?cc=max-age=60&vary=Accept-Language", ("Accept-Language", "de"));

        Assert.Equal(("MISS", "HIT", "MISS"), (english.Cache, englishAgain.Cache, german.Cache));
        Assert.Contains("'de'", german.Body);
        Assert.Equal(2, Origin.Full(path));
    }

    [Theory]
    [InlineData("cc=max-age=0,s-maxage=60", "HIT")]
    [InlineData("cc=s-maxage=0,max-age=60", "MISS")]
    [InlineData("expires=60", "HIT")]
    [InlineData("expires=-60", "MISS")]
    [InlineData("", "MISS")]
    public async Task Freshness_comes_from_s_maxage_then_max_age_then_expires(string query, string second)
    {
        var path = Unique();
        await GetAsync($"/cached{path}?{query}");

        Assert.Equal(second, (await GetAsync($"/cached{path}?{query}")).Cache);
    }

    [Fact]
    public async Task An_answer_without_freshness_is_kept_for_the_policy_default_ttl()
    {
        var path = Unique();
        await GetAsync($"/ttl{path}");

        Assert.Equal("HIT", (await GetAsync($"/ttl{path}")).Cache);
        Assert.Equal(1, Origin.Full(path));
    }

    [Fact]
    public async Task A_stale_answer_with_an_etag_is_revalidated_and_a_304_renews_it()
    {
        var path = Unique();
        var first = await GetAsync($"/cached{path}?cc=no-cache&etag=%22v1%22");
        var second = await GetAsync($"/cached{path}?cc=no-cache&etag=%22v1%22");

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal("HIT", second.Cache);
        Assert.Equal((1, 1), (Origin.Full(path), Origin.NotModified(path)));
    }

    [Fact]
    public async Task A_client_holding_the_current_etag_gets_304_from_the_cache()
    {
        var path = Unique();
        await GetAsync($"/cached{path}?cc=max-age=60&etag=%22v7%22");

        var revisit = await GetAsync($"/cached{path}?cc=max-age=60&etag=%22v7%22", ("If-None-Match", "\"v7\""));

        Assert.Equal(HttpStatusCode.NotModified, revisit.Status);
        Assert.Equal((1, 0), (Origin.Full(path), Origin.NotModified(path)));
    }

    [Fact]
    public async Task A_burst_of_misses_for_one_key_sends_one_request_to_the_backend()
    {
        var path = Unique();
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GetAsync($"/cached{path}?cc=max-age=60&delay=500")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(1, Origin.Full(path));
    }

    [Fact]
    public async Task A_successful_change_to_a_url_drops_what_is_stored_for_it()
    {
        var path = Unique();
        await GetAsync($"/cached{path}?cc=max-age=60");
        Assert.Equal("HIT", (await GetAsync($"/cached{path}?cc=max-age=60")).Cache);

        using var change = await Proxy.PostAsync($"/cached{path}", new StringContent("new price"));

        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
        Assert.Equal("MISS", (await GetAsync($"/cached{path}?cc=max-age=60")).Cache);
    }

    [Fact]
    public async Task A_head_request_is_answered_from_the_stored_get()
    {
        var path = Unique();
        await GetAsync($"/cached{path}?cc=max-age=60");

        using var head = await Proxy.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/cached{path}?cc=max-age=60"));

        Assert.Equal("HIT", head.Headers.GetValues("X-Cache").Single());
        Assert.Equal(1, Origin.Full(path));
    }

    [Fact]
    public async Task The_store_evicts_the_least_recently_used_answers_to_stay_within_its_bytes()
    {
        var before = await StatusAsync();
        var paths = Enumerable.Range(0, 6).Select(_ => Unique()).ToList();
        foreach (var path in paths)
        {
            await GetAsync($"/tiny{path}?cc=max-age=60&size=1000"); // about 1.2 KB each; the store holds 4 KB
        }

        Assert.Equal("MISS", (await GetAsync($"/tiny{paths[0]}?cc=max-age=60&size=1000")).Cache);
        Assert.Equal("HIT", (await GetAsync($"/tiny{paths[^1]}?cc=max-age=60&size=1000")).Cache);
        var after = await StatusAsync();
        Assert.True(after.GetProperty("evictions").GetInt64() > before.GetProperty("evictions").GetInt64());
        Assert.True(after.GetProperty("hits").GetInt64() > before.GetProperty("hits").GetInt64());
        Assert.True(after.GetProperty("storedBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task An_answer_larger_than_the_entry_limit_passes_through_uncached()
    {
        var path = Unique();
        var first = await GetAsync($"/tiny{path}?cc=max-age=60&size=5000");
        var second = await GetAsync($"/tiny{path}?cc=max-age=60&size=5000");

        Assert.True(first.Body.Length > 5000);
        Assert.Equal(("MISS", "MISS"), (first.Cache, second.Cache));
    }

    [Fact]
    public async Task Purge_removes_by_route_and_by_path_prefix()
    {
        var kept = Unique();
        var purged = Unique();
        await GetAsync($"/cached{kept}?cc=max-age=60");
        await GetAsync($"/cached{purged}/page?cc=max-age=60");

        using var response = await fixture.Node.Admin.PostAsync("/admin/cache/purge", Json.Body($$"""{ "routeId": "cached", "pathPrefix": "/cached{{purged}}" }"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("MISS", (await GetAsync($"/cached{purged}/page?cc=max-age=60")).Cache);
        Assert.Equal("HIT", (await GetAsync($"/cached{kept}?cc=max-age=60")).Cache);
    }

    [Theory]
    [InlineData("""{ "pathPrefix": "no-slash" }""", "pathPrefix")]
    [InlineData("""{ "routeId": "nowhere" }""", "routeId")]
    [InlineData("""{ "rout": "cached" }""", "rout")]
    public async Task A_bad_purge_is_refused_naming_the_field(string body, string field)
    {
        using var response = await fixture.Node.Admin.PostAsync("/admin/cache/purge", Json.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> StatusAsync() =>
        (await fixture.Node.Admin.GetFromJsonAsync<JsonElement>("/admin/status")).GetProperty("cache");

    private async Task<Answer> GetAsync(string url, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Proxy.SendAsync(request);
        return new Answer(
            response.StatusCode,
            response.Headers.TryGetValues("X-Cache", out var cache) ? cache.Single() : null,
            response.Headers.Age,
            await response.Content.ReadAsStringAsync());
    }

    private static string Unique() => "/" + Guid.NewGuid().ToString("N");

    private sealed record Answer(HttpStatusCode Status, string? Cache, TimeSpan? Age, string Body);

    public sealed class Fixture : IAsyncLifetime
    {
        public CacheOrigin Origin { get; private set; } = null!;

        public TestNode Node { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Origin = await CacheOrigin.StartAsync();
            Node = await TestNode.StartAsync(Settings(Origin));
        }

        public async Task DisposeAsync()
        {
            await Node.DisposeAsync();
            await Origin.DisposeAsync();
        }
    }

    /// <summary>Routes over <paramref name="origin"/> with a cache policy each.</summary>
    public static RouteSettings Settings(CacheOrigin origin) => new RouteSettings()
        .Cluster("origin", ("one", origin.Url))
        .Route("cached", "/cached", "origin").With("ReverseProxy:Routes:cached:OutputCachePolicy", "standard")
        .Route("trusting", "/trusting", "origin").With("ReverseProxy:Routes:trusting:OutputCachePolicy", "trusting")
        .Route("ttl", "/ttl", "origin").With("ReverseProxy:Routes:ttl:OutputCachePolicy", "ttl")
        .Route("tiny", "/tiny", "origin").With("ReverseProxy:Routes:tiny:OutputCachePolicy", "tiny")
        .With("ClusterLB:Policies:OutputCache:standard:MaxBytes", "10000000")
        .With("ClusterLB:Policies:OutputCache:trusting:CacheAuthorized", "true")
        .With("ClusterLB:Policies:OutputCache:ttl:DefaultTtl", "00:01:00")
        .With("ClusterLB:Policies:OutputCache:tiny:MaxBytes", "4000")
        .With("ClusterLB:Policies:OutputCache:tiny:MaxEntryBytes", "2000");
}
