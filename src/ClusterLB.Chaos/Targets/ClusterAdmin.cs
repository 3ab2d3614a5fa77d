using System.Net.Http.Json;
using System.Text.Json;
using ClusterLB.Chaos.Load;

namespace ClusterLB.Chaos.Targets;

/// <summary>What a runner reads of a node through its admin listener.</summary>
public sealed record NodeView(bool Ready, string? MemberStatus, bool HostsWriter, long? TableVersion, long VerdictVersion);

/// <summary>
/// The admin API as the runner uses it: readiness, status, the routing table, route changes. It
/// presents the write token in <see cref="TokenVariable"/> (deploy/chaos/run.sh sets it).
/// </summary>
public sealed class ClusterAdmin(Func<int, NodeEndpoint> node) : IDisposable
{
    /// <summary>The environment variable holding the admin token.</summary>
    public const string TokenVariable = "CLUSTERLB_ADMIN_TOKEN";

    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) })
    {
        Timeout = TimeSpan.FromSeconds(3),
        DefaultRequestHeaders = { Authorization = new("Bearer", Environment.GetEnvironmentVariable(TokenVariable) ?? "") },
    };

    // Requests through the proxy carry no admin token: the backends would see it.
    private readonly HttpClient _proxy = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1), MaxConnectionsPerServer = 256 })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<NodeView?> ViewAsync(int i)
    {
        try
        {
            using var ready = await _http.GetAsync(new Uri(node(i).Admin, "/healthz/ready"));
            using var status = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node(i).Admin, "/admin/status")));
            var root = status.RootElement;
            long? version = root.TryGetProperty("routingTable", out var table) && table.ValueKind == JsonValueKind.Object
                ? table.GetProperty("version").GetInt64()
                : null;
            return new NodeView(
                ready.IsSuccessStatusCode,
                root.GetProperty("memberStatus").GetString(),
                root.GetProperty("hostsRoutingTableWriter").GetBoolean(),
                version,
                root.GetProperty("healthVerdictVersion").GetInt64());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    public async Task<bool> ReadyAsync(int i) => (await ViewAsync(i))?.Ready == true;

    /// <summary>How many members node <paramref name="i"/> sees, and how many of them it finds reachable and Up.</summary>
    public async Task<(int Members, int ReachableUp)?> MembersAsync(int i)
    {
        try
        {
            using var members = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node(i).Admin, "/admin/cluster")));
            var all = members.RootElement.GetProperty("members").EnumerateArray().ToList();
            return (all.Count, all.Count(m => m.GetProperty("reachable").GetBoolean() && m.GetProperty("status").GetString() == "Up"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The routing table node <paramref name="i"/> runs: its version and route ids.</summary>
    public async Task<(long Version, IReadOnlySet<string> Routes)?> TableAsync(int i)
    {
        try
        {
            using var table = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node(i).Admin, "/admin/routing-table")));
            var routes = table.RootElement.GetProperty("routes").EnumerateObject().Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            return (table.RootElement.GetProperty("version").GetInt64(), routes);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Adds route <paramref name="id"/> through node <paramref name="i"/>; the HTTP status (0 when unreachable) and the answer.</summary>
    public async Task<(int Status, string Body)> PutRouteAsync(int i, string id)
    {
        try
        {
            using var response = await _http.PutAsJsonAsync(
                new Uri(node(i).Admin, $"/admin/routes/{id}"),
                new { clusterId = "app", match = new { path = $"/{id}/{{**rest}}" } });
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    public async Task<int> DeleteRouteAsync(int i, string id)
    {
        try
        {
            using var response = await _http.DeleteAsync(new Uri(node(i).Admin, $"/admin/routes/{id}"));
            return (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Sends an operator's command (<c>drain</c>, <c>maintenance</c>, <c>enable</c>) on a destination
    /// through node <paramref name="i"/>; the HTTP status (0 when unreachable) and the answer.
    /// </summary>
    public async Task<(int Status, string Body)> DestinationCommandAsync(int i, string cluster, string destination, string command)
    {
        try
        {
            using var response = await _http.PostAsJsonAsync(new Uri(node(i).Admin, $"/admin/clusters/{cluster}/destinations/{destination}/{command}"), new { });
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, e.Message);
        }
    }

    /// <summary>GET <paramref name="path"/> through node <paramref name="i"/>'s proxy: the status (0 when it failed) and the backend that answered.</summary>
    public async Task<(int Status, string? Backend)> ProxyGetAsync(int i, string path, TimeSpan timeout)
    {
        try
        {
            using var cancel = new CancellationTokenSource(timeout);
            using var response = await _proxy.GetAsync(new Uri(node(i).Proxy, path), cancel.Token);
            return ((int)response.StatusCode, response.Headers.TryGetValues(LoadSettings.BackendHeader, out var values) ? values.First() : null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (0, null);
        }
    }

    /// <summary>
    /// Node <paramref name="i"/>'s retry counters for <paramref name="clusters"/>, summed: attempts sent
    /// again, retries the budget refused, and requests the budget counted; null when unreachable.
    /// </summary>
    public async Task<(long Retried, long Denied)?> RetriesAsync(int i, params string[] clusters)
    {
        try
        {
            using var status = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node(i).Admin, "/admin/status")));
            long retried = 0, denied = 0;
            foreach (var cluster in status.RootElement.GetProperty("retries").GetProperty("clusters").EnumerateArray()
                .Where(c => clusters.Contains(c.GetProperty("clusterId").GetString())))
            {
                retried += cluster.GetProperty("retried").GetInt64();
                denied += cluster.GetProperty("deniedByBudget").GetInt64();
            }

            return (retried, denied);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The health node <paramref name="i"/> applies to <paramref name="destination"/> in each cluster that has it; null when unreachable.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> DestinationHealthAsync(int i, string destination)
    {
        try
        {
            using var status = JsonDocument.Parse(await _http.GetStringAsync(new Uri(node(i).Admin, "/admin/status")));
            return status.RootElement.GetProperty("destinations").EnumerateArray()
                .Where(d => d.GetProperty("destination").GetString() == destination)
                .ToDictionary(d => d.GetProperty("cluster").GetString()!, d => d.GetProperty("health").GetString()!);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The backend node <paramref name="i"/> sends <paramref name="key"/> to.</summary>
    public async Task<string?> BackendForKeyAsync(int i, string key)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node(i).Proxy, LoadSettings.KeyedPath));
            request.Headers.Add(LoadSettings.KeyHeader, key);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            using var response = await _proxy.SendAsync(request, cancel.Token);
            return response.IsSuccessStatusCode && response.Headers.TryGetValues(LoadSettings.BackendHeader, out var values) ? values.First() : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _proxy.Dispose();
    }
}
