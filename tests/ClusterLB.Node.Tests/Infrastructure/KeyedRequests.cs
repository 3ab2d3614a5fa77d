using ClusterLB.EchoBackend;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>Requests carrying a session key, as a client of a key-affinity route sends them.</summary>
public static class KeyedRequests
{
    public const string KeyHeader = "X-Session-Key";

    /// <summary>Sends <paramref name="key"/> to <paramref name="path"/>; the response is the caller's to dispose.</summary>
    public static Task<HttpResponseMessage> SendAsync(HttpClient proxy, string key, string path = "/keyed/")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(KeyHeader, key);
        return proxy.SendAsync(request);
    }

    /// <summary>The backend that answered <paramref name="key"/>, or "error NNN" when the proxy answered itself.</summary>
    public static async Task<string> BackendFor(HttpClient proxy, string key, string path = "/keyed/")
    {
        using var response = await SendAsync(proxy, key, path);
        return response.Headers.TryGetValues(EchoServer.BackendHeader, out var names) ? names.Single() : $"error {(int)response.StatusCode}";
    }
}
