using System.Net;
using System.Text.RegularExpressions;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Observability;

public sealed class MetricsTests
{
    [Fact]
    public async Task Prometheus_scrape_on_the_admin_listener_names_requests_by_route_cluster_destination_and_status_class()
    {
        await using var backends = await Backends.StartAsync("alpha");
        // Ids no other test uses: nodes of other tests in this process publish the same meters.
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("metered", "/metered", "metered-cluster").Cluster("metered-cluster", ("metered-alpha", backends[0].Url)));
        for (var i = 0; i < 5; i++)
        {
            (await node.Proxy.GetAsync("/metered/x")).Dispose();
        }

        (await node.Proxy.GetAsync("/metered/status/503")).Dispose();

        var text = await Eventually.Get(
            async () =>
            {
                var scraped = await node.Admin.GetStringAsync("/metrics");
                return scraped.Contains("clusterlb_proxy_request_duration_seconds_count") ? scraped : null;
            },
            TimeSpan.FromSeconds(10),
            "the proxy's request histogram in a scrape");

        Assert.Equal(5, Count(text, "clusterlb_proxy_request_duration_seconds_count", ("route", "metered"), ("cluster", "metered-cluster"), ("destination", "metered-alpha"), ("status_class", "2xx")));
        Assert.Equal(1, Count(text, "clusterlb_proxy_request_duration_seconds_count", ("route", "metered"), ("cluster", "metered-cluster"), ("destination", "metered-alpha"), ("status_class", "5xx")));
        Assert.Matches(new Regex(@"^clusterlb_proxy_request_duration_seconds_bucket\{.*le=""0\.005"".*\} \d+", RegexOptions.Multiline), text);
        Assert.Contains("clusterlb_routing_table_version{", text); // one series per node in this process
        Assert.Contains("clusterlb_cluster_members{", text);
        Assert.Equal(1, Count(text, "clusterlb_destination_up", ("cluster", "metered-cluster"), ("destination", "metered-alpha")));
        Assert.Contains("clusterlb_affinity_overrides", text);
        Assert.Contains("clusterlb_cache_requests_total", text);
        Assert.Contains("kestrel_active_connections", text);     // Kestrel
        Assert.Contains("http_client_open_connections", text);   // HttpClient: the proxy's connections to destinations
        Assert.Contains("dotnet_gc_", text);                     // the runtime
        // Per-request instruments the proxy's histogram covers are dropped: they cost the request path.
        Assert.DoesNotContain("http_server_request_duration_seconds", text);
        Assert.DoesNotContain("http_client_request_duration_seconds", text);
    }

    [Fact]
    public async Task Metrics_need_the_admin_token_and_can_be_turned_off()
    {
        await using var on = await TestNode.StartAsync(new RouteSettings());
        using (var anonymous = on.AdminClient(token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        }

        using (var reader = on.AdminClient(TestNode.ReadToken))
        {
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/metrics")).StatusCode);
        }

        await using var off = await TestNode.StartAsync(new RouteSettings().With("ClusterLB:Metrics:Enabled", "false"));
        Assert.Equal(HttpStatusCode.NotFound, (await off.Admin.GetAsync("/metrics")).StatusCode);
    }

    /// <summary>The value of the one series of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    private static double Count(string scrape, string name, params (string Label, string Value)[] labels)
    {
        var series = scrape.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Where(line => labels.All(l => line.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
            .ToList();
        Assert.True(series.Count == 1, $"one series of {name} with {string.Join(", ", labels)}, found {series.Count}:\n{string.Join('\n', series)}");
        return double.Parse(series[0][(series[0].LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
