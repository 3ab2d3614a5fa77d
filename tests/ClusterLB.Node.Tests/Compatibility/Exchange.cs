using System.Net;
using System.Text;

namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>One request a client sends to both proxies, described once.</summary>
public sealed record Exchange(string Method, string Target)
{
    public string? Host { get; init; }

    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    public string? Body { get; init; }

    public static Exchange Get(string target) => new("GET", target);

    public static Exchange Send(string method, string target, string? body = null) => new(method, target) { Body = body };

    public Exchange WithHost(string host) => this with { Host = host };

    public Exchange WithHeader(string name, string value) => this with { Headers = [.. Headers, (name, value)] };

    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), Target);
        if (Host is not null)
        {
            request.Headers.Host = Host;
        }

        foreach (var (name, value) in Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                throw new ArgumentException($"{name} is not a request header");
            }
        }

        if (Body is not null)
        {
            request.Content = new StringContent(Body, Encoding.UTF8, "text/plain");
        }

        return request;
    }

    public override string ToString()
    {
        var text = new StringBuilder($"{Method} {Target}");
        if (Host is not null)
        {
            text.Append($" Host: {Host}");
        }

        foreach (var (name, value) in Headers)
        {
            text.Append($" {name}: {value}");
        }

        if (Body is not null)
        {
            text.Append($" body: {Body.Length} chars");
        }

        return text.ToString();
    }

    /// <summary>A client that shows the proxy's answer as it is: no cookies kept, no redirects followed, nothing decompressed.</summary>
    public static HttpClient Client(string proxyUrl) => new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
    })
    {
        BaseAddress = new Uri(proxyUrl),
        Timeout = TimeSpan.FromSeconds(30),
    };
}
