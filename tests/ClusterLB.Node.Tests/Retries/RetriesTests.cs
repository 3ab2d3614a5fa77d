using System.Net;
using System.Text.Json;
using ClusterLB.Core.Retries;
using ClusterLB.Node.Configuration;
using Microsoft.Extensions.Configuration;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Retries;

/// <summary>
/// Retries through a real node and real loopback backends: which failures, methods and bodies are sent to
/// another destination, that the client otherwise gets the destination's own answer, and the budget.
/// </summary>
public sealed class RetriesTests
{
    [Fact]
    public async Task Get_to_a_dead_destination_is_answered_by_another()
    {
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([], ("dead", Dead()), ("live", live.Url));

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("live", await node.Proxy.GetStringAsync("/api/x"));
        }

        var retries = await RetriesOf(node);
        Assert.InRange(retries.Retried, 1, 6);
        Assert.Equal(retries.Retried, retries.SucceededAfterRetry);
    }

    [Fact]
    public async Task Get_whose_connection_is_reset_before_the_answer_is_answered_by_another()
    {
        await using var resetting = await FaultyBackend.StartAsync("resetting", Fault.Reset);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([], ("resetting", resetting.Url), ("live", live.Url));

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("live", await node.Proxy.GetStringAsync("/api/x"));
        }

        Assert.InRange(resetting.Requests, 1, 6);
        Assert.Equal(resetting.Requests, (await RetriesOf(node)).Retried);
    }

    [Theory]
    [InlineData("503", Fault.Unavailable)]
    [InlineData("502", Fault.BadGateway)]
    public async Task A_status_the_cluster_retries_on_is_answered_by_another(string on, Fault fault)
    {
        await using var failing = await FaultyBackend.StartAsync("failing", fault);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([(RetryMetadata.On, on)], ("failing", failing.Url), ("live", live.Url));

        for (var i = 0; i < 6; i++)
        {
            using var response = await node.Proxy.GetAsync("/api/x");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("live", await response.Content.ReadAsStringAsync());
            Assert.False(response.Headers.Contains("X-Backend")); // nothing of the held-back answer
            Assert.True(response.Headers.Contains("X-Request-Id")); // what the node adds stays
        }

        Assert.InRange(failing.Requests, 1, 6);
        Assert.Equal(failing.Requests, (await RetriesOf(node)).SucceededAfterRetry);
    }

    [Fact]
    public async Task A_503_the_cluster_does_not_retry_on_reaches_the_client_intact()
    {
        await using var overloaded = await FaultyBackend.StartAsync("overloaded", Fault.Unavailable);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([], ("overloaded", overloaded.Url), ("live", live.Url));

        var answers = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.GetAsync("/api/x");
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                AssertOriginal503(response, "overloaded");
            }
        }

        Assert.Equal(2, answers.Count(a => a == (HttpStatusCode.ServiceUnavailable, "overloaded: overloaded")));
        Assert.Equal(2, answers.Count(a => a == (HttpStatusCode.OK, "live")));
        Assert.Equal(0, (await RetriesOf(node)).Retried);
    }

    [Fact]
    public async Task When_no_attempt_is_left_the_client_gets_the_last_503_intact()
    {
        await using var first = await FaultyBackend.StartAsync("first", Fault.Unavailable);
        await using var second = await FaultyBackend.StartAsync("second", Fault.Unavailable);
        await using var node = await StartAsync([(RetryMetadata.On, "503"), (RetryMetadata.Attempts, "1")], ("first", first.Url), ("second", second.Url));

        using var response = await node.Proxy.GetAsync("/api/x");

        var last = first.Requests == 1 && second.Requests == 1 ? (string)response.Headers.GetValues("X-Backend").Single() : "both should have been tried";
        AssertOriginal503(response, last);
        Assert.Equal($"{last}: overloaded", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, (await RetriesOf(node)).Retried);
    }

    [Fact]
    public async Task When_the_budget_refuses_the_retry_the_client_gets_the_503_intact()
    {
        await using var first = await FaultyBackend.StartAsync("first", Fault.Unavailable);
        await using var second = await FaultyBackend.StartAsync("second", Fault.Unavailable);
        await using var node = await StartAsync(
            [(RetryMetadata.On, "503"), (RetryMetadata.Budget, "0"), (RetryMetadata.MinPerSecond, "0")], ("first", first.Url), ("second", second.Url));

        using var response = await node.Proxy.GetAsync("/api/x");

        var only = Assert.Single(new[] { first, second }, b => b.Requests == 1);
        AssertOriginal503(response, only.Name);
        Assert.Equal($"{only.Name}: overloaded", await response.Content.ReadAsStringAsync());
        var retries = await RetriesOf(node);
        Assert.Equal((0, 1), (retries.Retried, retries.DeniedByBudget));
    }

    [Fact]
    public async Task Post_is_not_retried_after_a_reset()
    {
        await using var resetting = await FaultyBackend.StartAsync("resetting", Fault.Reset);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([], ("resetting", resetting.Url), ("live", live.Url));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.PostAsync("/api/x", new ByteArrayContent(Bytes(100)));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal((2, 2), (resetting.Requests, live.Requests));
        Assert.Equal(0, (await RetriesOf(node)).Retried);
    }

    [Fact]
    public async Task Post_without_a_body_is_retried_on_a_connect_failure_but_not_one_with_a_body()
    {
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([], ("dead", Dead()), ("live", live.Url));

        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.PostAsync("/api/x", null);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.InRange((await RetriesOf(node)).Retried, 1, 4);

        var served = live.Requests;
        var withBody = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.PostAsync("/api/x", new ByteArrayContent(Bytes(10)));
            withBody.Add(response.StatusCode);
        }

        // Each one that met the dead destination got the failure: the round robin alternates without retries.
        Assert.Equal(2, withBody.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal(2, live.Requests - served);
    }

    [Fact]
    public async Task Put_with_a_small_body_is_sent_again_byte_for_byte()
    {
        await using var resetting = await FaultyBackend.StartAsync("resetting", Fault.Reset);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([], ("resetting", resetting.Url), ("live", live.Url));
        var body = Bytes(40_000);

        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.PutAsync("/api/x", new ByteArrayContent(body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.InRange(resetting.Requests, 1, 4);
        Assert.Equal(4, live.Requests);
        Assert.All(resetting.Bodies.Concat(live.Bodies), received => Assert.Equal(body, received));
    }

    [Fact]
    public async Task A_body_above_the_kept_size_is_not_sent_again()
    {
        await using var resetting = await FaultyBackend.StartAsync("resetting", Fault.Reset);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([(RetryMetadata.MaxBodySize, "1024")], ("resetting", resetting.Url), ("live", live.Url));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.PutAsync("/api/x", new ByteArrayContent(Bytes(1025)));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal((2, 2), (resetting.Requests, live.Requests));
        Assert.All(live.Bodies, received => Assert.Equal(1025, received.Length));
    }

    [Fact]
    public async Task A_response_that_started_is_not_retried()
    {
        await using var breaking = await FaultyBackend.StartAsync("breaking", Fault.HeadersThenReset);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([(RetryMetadata.On, "connect-failure,reset,502,503,timeout")], ("breaking", breaking.Url), ("live", live.Url));

        var (broken, answered) = (0, 0);
        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.GetAsync("/api/x", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (breaking.Requests > broken)
            {
                // The client has the headers: the answer started. Now the backend breaks the connection.
                breaking.Break();
                await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync());
                broken++;
            }
            else
            {
                Assert.Equal("live", await response.Content.ReadAsStringAsync());
                answered++;
            }
        }

        Assert.Equal((2, 2), (broken, answered));
        Assert.Equal((2, 2), (breaking.Requests, live.Requests));
        Assert.Equal(0, (await RetriesOf(node)).Retried);
    }

    [Fact]
    public async Task The_activity_timeout_before_the_answer_is_retried_when_the_cluster_says_so()
    {
        await using var silent = await FaultyBackend.StartAsync("silent", Fault.Silent);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        var settings = Settings([(RetryMetadata.On, "timeout")], ("silent", silent.Url), ("live", live.Url))
            .With("ReverseProxy:Clusters:c1:HttpRequest:ActivityTimeout", "00:00:01");
        await using var node = await TestNode.StartAsync(settings);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("live", await node.Proxy.GetStringAsync("/api/x"));
        }

        Assert.InRange(silent.Requests, 1, 4);
        Assert.Equal(silent.Requests, (await RetriesOf(node)).SucceededAfterRetry);
    }

    [Fact]
    public async Task Attempts_are_capped_and_no_destination_is_tried_twice()
    {
        var backends = new List<FaultyBackend>();
        for (var i = 0; i < 4; i++)
        {
            backends.Add(await FaultyBackend.StartAsync($"b{i}", Fault.Reset));
        }

        try
        {
            var generous = new (string, string)[] { (RetryMetadata.Budget, "100"), (RetryMetadata.MinPerSecond, "100") };
            await using (var node = await StartAsync([.. generous, (RetryMetadata.Attempts, "2")], [.. backends.Select(b => (b.Name, b.Url))]))
            {
                using var response = await node.Proxy.GetAsync("/api/x");
                Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
                Assert.Equal(3, backends.Sum(b => b.Requests)); // the first attempt and two retries
                Assert.All(backends, b => Assert.InRange(b.Requests, 0, 1));
            }

            var before = backends.Select(b => b.Requests).ToList();
            await using (var node = await StartAsync([.. generous, (RetryMetadata.Attempts, "5")], [.. backends.Select(b => (b.Name, b.Url))]))
            {
                using var response = await node.Proxy.GetAsync("/api/x");
                Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
                Assert.All(backends.Select((b, i) => b.Requests - before[i]), tried => Assert.Equal(1, tried)); // each once, then none is left
                Assert.Equal(3, (await RetriesOf(node)).Retried);
            }
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task With_every_backend_failing_a_burst_retries_no_more_than_the_budget()
    {
        const int Requests = 200;
        await using var first = await FaultyBackend.StartAsync("first", Fault.Reset);
        await using var second = await FaultyBackend.StartAsync("second", Fault.Reset);
        await using var third = await FaultyBackend.StartAsync("third", Fault.Reset);
        await using var node = await StartAsync(
            [(RetryMetadata.Budget, "10"), (RetryMetadata.MinPerSecond, "0"), (RetryMetadata.Backoff, "00:00:00")],
            ("first", first.Url), ("second", second.Url), ("third", third.Url));

        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, cancel) =>
        {
            using var response = await node.Proxy.GetAsync("/api/x", cancel);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        });

        var retries = await RetriesOf(node);
        Assert.InRange(retries.Retried, Requests / 20, Requests / 10); // used, and never beyond 10 %
        Assert.True(retries.DeniedByBudget >= Requests - retries.Retried, $"{retries.DeniedByBudget} denied");
        Assert.Equal(Requests + retries.Retried, first.Requests + second.Requests + third.Requests);
        Assert.Equal(0, retries.SucceededAfterRetry);
    }

    [Fact]
    public async Task With_no_attempts_nothing_is_retried()
    {
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        await using var node = await StartAsync([(RetryMetadata.Attempts, "0")], ("dead", Dead()), ("live", live.Url));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await node.Proxy.GetAsync("/api/x");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal(0, (await RetriesOf(node)).Retried);
    }

    [Fact]
    public async Task Failed_attempts_that_were_retried_still_take_their_destination_out()
    {
        await using var resetting = await FaultyBackend.StartAsync("resetting", Fault.Reset);
        await using var live = await FaultyBackend.StartAsync("live", Fault.None);
        var settings = Settings([], ("resetting", resetting.Url), ("live", live.Url));
        settings.With("ReverseProxy:Clusters:c1:HealthCheck:Passive:Enabled", "true");
        settings.With($"ReverseProxy:Clusters:c1:Metadata:{RetryMetadata.Budget}", "100").With($"ReverseProxy:Clusters:c1:Metadata:{RetryMetadata.MinPerSecond}", "1000");
        await using var node = await TestNode.StartAsync(settings);

        // Every request succeeds through a retry; passive health still sees the failures and takes it out.
        await Eventually.True(
            async () =>
            {
                var before = resetting.Requests;
                for (var i = 0; i < 10; i++)
                {
                    Assert.Equal("live", await node.Proxy.GetStringAsync("/api/x"));
                }

                return resetting.Requests == before;
            },
            TimeSpan.FromSeconds(20),
            "the resetting destination taken out by passive health");
    }

    [Fact]
    public void A_node_refuses_unusable_retry_settings_naming_the_field()
    {
        var settings = Settings([(RetryMetadata.Budget, "120"), (RetryMetadata.On, "reset,404")], ("one", "http://127.0.0.1:5000/"))
            .With($"ReverseProxy:Routes:api:Metadata:{RetryMetadata.Methods}", "GET,FETCH");

        var configuration = NodeConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        Assert.Equal(
            [
                $"ReverseProxy:Routes:api:Metadata:{RetryMetadata.Methods}",
                $"ReverseProxy:Clusters:c1:Metadata:{RetryMetadata.On}",
                $"ReverseProxy:Clusters:c1:Metadata:{RetryMetadata.Budget}",
            ],
            configuration.Errors.Select(e => e.Field));
    }

    private static void AssertOriginal503(HttpResponseMessage response, string backend)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(backend, response.Headers.GetValues("X-Backend").Single());
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        Assert.False(response.Headers.Contains("X-ClusterLB-Error"));
    }

    private static RouteSettings Settings((string Key, string Value)[] metadata, params (string Id, string Address)[] destinations)
    {
        var settings = new RouteSettings().Route("api", "/api", "c1").Cluster("c1", destinations);
        foreach (var (key, value) in metadata)
        {
            settings.With($"ReverseProxy:Clusters:c1:Metadata:{key}", value);
        }

        return settings; // without passive health: failing backends stay in, so that every request meets them
    }

    private static Task<TestNode> StartAsync((string Key, string Value)[] metadata, params (string Id, string Address)[] destinations) =>
        TestNode.StartAsync(Settings(metadata, destinations));

    private static string Dead() => $"http://127.0.0.1:{ClosedPort.Find()}";

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static async Task<ClusterRetriesStatus> RetriesOf(TestNode node)
    {
        var json = await node.Admin.GetStringAsync("/admin/status");
        var status = JsonSerializer.Deserialize<StatusView>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        return status.Retries.Clusters.Single(c => c.ClusterId == "c1");
    }

    private sealed record StatusView(RetriesView Retries);

    private sealed record RetriesView(IReadOnlyList<ClusterRetriesStatus> Clusters);

    private sealed record ClusterRetriesStatus(string ClusterId, int Attempts, long Retried, long DeniedByBudget, long SucceededAfterRetry);
}
