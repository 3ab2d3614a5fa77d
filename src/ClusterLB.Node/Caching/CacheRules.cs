using ClusterLB.Core.Policies;
using Microsoft.Net.Http.Headers;

namespace ClusterLB.Node.Caching;

/// <summary>
/// The decisions of a shared HTTP cache (RFC 9111) for one policy: which requests it may answer,
/// which answers it may store, and for how long they stay fresh. Pure: headers in, decision out.
/// </summary>
public static class CacheRules
{
    // Statuses a cache may store (RFC 9110 §15.1 "heuristically cacheable", with explicit freshness here).
    private static readonly HashSet<int> StorableStatuses = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501];

    /// <summary>Whether the cache may answer <paramref name="request"/>, or store the answer to it.</summary>
    public static bool MayUse(HttpRequest request, ResponseCachePolicy policy) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && (policy.CacheAuthorized == true || !request.Headers.ContainsKey(HeaderNames.Authorization))
        && !(CacheControl(request.Headers) is { NoStore: true });

    /// <summary>Whether <paramref name="request"/> asks for an answer checked with the backend (<c>no-cache</c>, <c>max-age=0</c>).</summary>
    public static bool WantsRevalidation(HttpRequest request) =>
        CacheControl(request.Headers) is { } control && (control.NoCache || control.MaxAge == TimeSpan.Zero)
        || request.Headers.Pragma.ToString().Contains("no-cache", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// How long the answer with <paramref name="status"/> and <paramref name="headers"/> stays fresh
    /// in a shared cache, or null when it must not be stored. Zero: stored, but checked with the
    /// backend before every use (it must have a validator).
    /// </summary>
    public static TimeSpan? Freshness(int status, IHeaderDictionary headers, DateTimeOffset now, ResponseCachePolicy policy)
    {
        if (!StorableStatuses.Contains(status)
            || headers.Vary.Any(v => v?.Contains('*') == true)
            || (policy.CacheSetCookie != true && headers.ContainsKey(HeaderNames.SetCookie)))
        {
            return null;
        }

        var control = CacheControl(headers);
        if (control is { NoStore: true } or { Private: true })
        {
            return null;
        }

        var hasValidator = headers.ContainsKey(HeaderNames.ETag) || headers.ContainsKey(HeaderNames.LastModified);
        TimeSpan? lifetime = control switch
        {
            { NoCache: true } => TimeSpan.Zero,
            { SharedMaxAge: { } shared } => shared,
            { MaxAge: { } max } => max,
            _ => Expires(headers, now),
        };
        lifetime ??= policy.DefaultTtl is { } ttl && ttl > TimeSpan.Zero ? ttl : null;
        if (lifetime is not { } fresh || (fresh <= TimeSpan.Zero && !hasValidator))
        {
            return null;
        }

        return fresh < TimeSpan.Zero ? TimeSpan.Zero : fresh;
    }

    /// <summary>The age the backend (or a cache before it) already gave the answer, from <c>Age</c>.</summary>
    public static TimeSpan InitialAge(IHeaderDictionary headers) =>
        long.TryParse(headers.Age.ToString(), out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;

    private static TimeSpan? Expires(IHeaderDictionary headers, DateTimeOffset now)
    {
        if (headers.Expires.Count == 0)
        {
            return null;
        }

        // An invalid Expires (e.g. "0") means already expired.
        if (!HeaderUtilities.TryParseDate(headers.Expires.ToString(), out var expires))
        {
            return TimeSpan.Zero;
        }

        var date = HeaderUtilities.TryParseDate(headers.Date.ToString(), out var sent) ? sent : now;
        return expires - date;
    }

    private static CacheControlHeaderValue? CacheControl(IHeaderDictionary headers) =>
        CacheControlHeaderValue.TryParse(headers.CacheControl.ToString(), out var value) ? value : null;
}
