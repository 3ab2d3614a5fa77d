using System.Net.Http.Headers;
using System.Text;

namespace ClusterLB.Cli.Admin;

/// <summary>Requests to one node's admin API, with its bearer token; a failure to reach it is exit 3.</summary>
internal sealed class AdminClient(AdminConnection connection) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new() { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    public Uri Server => connection.Server;

    /// <summary>
    /// Sends a request, on the routing table still being at <paramref name="ifMatch"/> when given; answers
    /// whatever the server answered, refusals included.
    /// </summary>
    public async Task<AdminAnswer> SendAsync(HttpMethod method, string path, string? json, CancellationToken cancellation, long? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(connection.Server, path));
        if (ifMatch is { } version)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}\""));
        }

        if (connection.Token is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            return new AdminAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
        }
        catch (HttpRequestException e)
        {
            throw new CliFailure(ExitCodes.Unreachable, $"cannot reach {connection.Server}: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new CliFailure(ExitCodes.Unreachable, $"{connection.Server} did not answer within {Timeout.TotalSeconds:0}s");
        }
    }

    public void Dispose() => _http.Dispose();
}
