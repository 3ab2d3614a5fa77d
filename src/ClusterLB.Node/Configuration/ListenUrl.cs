using System.Net;

namespace ClusterLB.Node.Configuration;

/// <summary>A parsed listen URL: where Kestrel binds.</summary>
/// <param name="Host">Host part as written: <c>localhost</c>, an IP address, or <c>*</c> / <c>0.0.0.0</c> for any.</param>
/// <param name="Port">TCP port; 0 picks a free one.</param>
public sealed record ListenUrl(string Host, int Port)
{
    /// <summary>Parses <paramref name="url"/>, or says what is wrong with it.</summary>
    public static bool TryParse(string? url, out ListenUrl? listen, out string error)
    {
        listen = null;
        error = "";
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "is required, e.g. http://0.0.0.0:8080 or https://0.0.0.0:8443";
            return false;
        }

        // Uri does not take '*' or '+' as a host; treat them as "any address".
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !url.Contains("://", StringComparison.Ordinal))
        {
            error = $"'{url}' is not a listen URL like http://0.0.0.0:8080";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            error = $"'{url}' must not have a path or query";
            return false;
        }

        if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && !uri.IsLoopback)
        {
            error = $"'{url}': the host must be localhost, an IP address or *";
            return false;
        }

        listen = new ListenUrl(uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns ? "localhost" : uri.Host.Trim('[', ']'), uri.Port) { Https = uri.Scheme == "https" };
        return true;
    }

    /// <summary>Whether the listener terminates TLS.</summary>
    public bool Https { get; init; }

    /// <summary>The address to bind, or null for localhost (both loopback addresses).</summary>
    public IPAddress? Address => Host == "localhost" ? null : IPAddress.Parse(Host);
}
