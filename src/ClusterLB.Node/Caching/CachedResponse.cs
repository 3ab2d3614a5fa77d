using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace ClusterLB.Node.Caching;

/// <summary>A stored answer: status, end-to-end headers and body, and when it stops being fresh.</summary>
public sealed record CachedResponse(
    string RouteId,
    string Path,
    int Status,
    IReadOnlyList<KeyValuePair<string, StringValues>> Headers,
    byte[] Body,
    DateTimeOffset StoredAt,
    TimeSpan InitialAge,
    TimeSpan Freshness)
{
    // Hop-by-hop and per-answer headers are not stored (RFC 9111 §3.1); Age is computed when served.
    private static readonly HashSet<string> NotStored = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Connection, HeaderNames.KeepAlive, HeaderNames.ProxyAuthenticate, HeaderNames.ProxyAuthorization,
        HeaderNames.TE, HeaderNames.Trailer, HeaderNames.TransferEncoding, HeaderNames.Upgrade, HeaderNames.Age,
        HeaderNames.SetCookie, HeaderNames.ContentLength, "X-Cache",
    };

    /// <summary>Bytes this entry takes in the store (body plus a rough header size).</summary>
    public long Size => Body.Length + Headers.Sum(h => h.Key.Length + h.Value.ToString().Length) + 64;

    /// <summary>The entity tag the backend gave, if any.</summary>
    public string? ETag => Header(HeaderNames.ETag);

    /// <summary>The Last-Modified date the backend gave, if any.</summary>
    public string? LastModified => Header(HeaderNames.LastModified);

    /// <summary>How old the answer is at <paramref name="now"/>.</summary>
    public TimeSpan Age(DateTimeOffset now) => InitialAge + (now - StoredAt);

    /// <summary>Whether the answer may be used at <paramref name="now"/> without asking the backend.</summary>
    public bool IsFresh(DateTimeOffset now) => Age(now) < Freshness;

    /// <summary>The headers of <paramref name="response"/> worth storing.</summary>
    public static List<KeyValuePair<string, StringValues>> StoredHeaders(IHeaderDictionary response) =>
        response.Where(h => !NotStored.Contains(h.Key)).ToList();

    /// <summary>This entry after a 304 from the backend: its headers updated from the 304, fresh again from <paramref name="now"/>.</summary>
    public CachedResponse Refreshed(IHeaderDictionary notModified, DateTimeOffset now, TimeSpan freshness)
    {
        var updated = StoredHeaders(notModified).ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);
        var headers = Headers.Where(h => !updated.ContainsKey(h.Key)).Concat(updated).ToList();
        return this with { Headers = headers, StoredAt = now, InitialAge = CacheRules.InitialAge(notModified), Freshness = freshness };
    }

    private string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Count: > 0 } value ? value.ToString() : null;
}
