using System.Net;
using System.Net.Http.Json;
using ClusterLB.Dashboard.Tests.Infrastructure;
using ClusterLB.Node.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace ClusterLB.Dashboard.Tests;

/// <summary>Who gets what from the dashboard of one real node: assets for anyone, data for a token, changes for a write token.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardAccessTests(HeadlessChromium browser, ITestOutputHelper output)
{
    [Fact]
    public async Task A_wrong_token_stays_on_the_login_form_with_the_nodes_reason()
    {
        var shots = new Screenshots("wrong-token", output);
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>());
        var (context, page) = await browser.OpenAsync(DashboardPage.Url(node));
        await using var _ = context;

        await DashboardPage.LogInAsync(page, "not-the-token");

        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("not valid");
        await Expect(page.GetByTestId("members")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('clusterlb-admin-token')"));
        await shots.TakeAsync(page, "refused");
    }

    [Fact]
    public async Task A_token_refused_mid_session_returns_to_the_login_form_with_the_reason()
    {
        var shots = new Screenshots("refused-mid-session", output);
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>());
        var (context, page) = await browser.OpenAsync(DashboardPage.Url(node));
        await using var _ = context;
        await DashboardPage.LogInAndWaitAsync(page, TestNode.ReadToken, "test-node");

        // As if the token were revoked: the next refresh is refused.
        await page.EvaluateAsync("() => sessionStorage.setItem('clusterlb-admin-token', 'revoked-token')");

        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("not valid", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("members")).ToBeHiddenAsync();
        await shots.TakeAsync(page, "back-at-login");
    }

    [Fact]
    public async Task A_read_only_token_sees_everything_but_its_rollback_is_refused_with_403()
    {
        var shots = new Screenshots("read-only", output);
        await using var backend = await StoppableBackend.StartAsync("b1");
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("app", "/app", "app").Cluster("app", ("b1", backend.Url)));
        using (var change = await node.Admin.PutAsJsonAsync("/admin/routes/extra", new { clusterId = "app", match = new { path = "/extra/{**rest}" } }))
        {
            change.EnsureSuccessStatusCode();
        }

        var current = await DashboardPage.TableVersionAsync(node);
        var (context, page) = await browser.OpenAsync(DashboardPage.Url(node));
        await using var _ = context;

        await DashboardPage.LogInAndWaitAsync(page, TestNode.ReadToken, "test-node");
        await Expect(page.GetByTestId("member-test-node")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("destination-app-b1")).ToBeVisibleAsync();
        await page.GetByTestId($"rollback-{current - 1}").ClickAsync();
        await page.GetByTestId("rollback-confirm").ClickAsync();

        await Expect(page.GetByTestId("history-message")).ToContainTextAsync("403");
        await Expect(page.GetByTestId("history-message")).ToContainTextAsync("may only read");
        Assert.Equal(current, await DashboardPage.TableVersionAsync(node));
        await shots.TakeAsync(page, "rollback-refused");
    }

    [Fact]
    public async Task The_assets_need_no_token_and_carry_a_strict_policy_but_every_data_call_needs_one()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>());
        using var anonymous = node.AdminClient(token: null);

        using var page = await anonymous.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(" ", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.True(page.Headers.CacheControl?.NoStore, "the page is not cached");

        foreach (var asset in new[] { "/dashboard/dashboard.js", "/dashboard/dashboard.css" })
        {
            using var response = await anonymous.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var redirected in new[] { "/", "/dashboard" })
        {
            using var handler = new HttpClientHandler { AllowAutoRedirect = false };
            using var client = new HttpClient(handler) { BaseAddress = anonymous.BaseAddress };
            using var response = await client.GetAsync(redirected);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
        }

        // Only the assets themselves are open: data, other paths below /dashboard/ and changes are not.
        foreach (var guarded in new[] { "/admin/observe", "/admin/history", "/admin/status", "/dashboard/other.js" })
        {
            using var response = await anonymous.GetAsync(guarded);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Head })
        {
            using var other = await anonymous.SendAsync(new HttpRequestMessage(method, "/dashboard/") { Content = method == HttpMethod.Post ? JsonContent.Create(new { }) : null });
            Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        }

        // The host check still applies to the assets (DNS rebinding).
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        rebound.Headers.Host = "attacker.example";
        using var refused = await anonymous.SendAsync(rebound);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }
}
