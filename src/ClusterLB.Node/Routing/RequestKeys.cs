using System.Text;
using ClusterLB.Core.Hashing;
using ClusterLB.Core.Routing;
using Microsoft.Extensions.Primitives;

namespace ClusterLB.Node.Routing;

/// <summary>
/// Reads a request's key from where a <see cref="RequestKeySource"/> says and hashes it with
/// <see cref="StableHash"/>, so every node hashes the same request to the same value. Allocates
/// nothing for a header, the path or the client IP (a cookie or query key parses the request's
/// cookies or query string once, as ASP.NET Core does on first access).
/// </summary>
internal static class RequestKeys
{
    /// <summary>Hashes the key of <paramref name="context"/>; false when the request does not carry it (or it is empty).</summary>
    public static bool TryHash(HttpContext context, in RequestKeySource source, out ulong hash) =>
        TryHash(context, source, int.MaxValue, out hash, out _);

    /// <summary>
    /// Hashes the key of <paramref name="context"/>; false when the request does not carry it.
    /// <paramref name="withinLength"/> tells whether the key takes at most <paramref name="maxBytes"/>
    /// bytes in UTF-8 (the client chooses the key, so callers that store keys bound them).
    /// </summary>
    public static bool TryHash(HttpContext context, in RequestKeySource source, int maxBytes, out ulong hash, out bool withinLength)
    {
        hash = 0;
        withinLength = true;
        if (source.Kind == RequestKeyKind.ClientIp)
        {
            return TryHashClientIp(context, out hash);
        }

        var value = source.Kind switch
        {
            RequestKeyKind.Header => context.Request.Headers[source.Name!],
            RequestKeyKind.Cookie => new StringValues(context.Request.Cookies[source.Name!]),
            RequestKeyKind.Query => context.Request.Query[source.Name!],
            _ => new StringValues(context.Request.Path.Value),
        };
        if (StringValues.IsNullOrEmpty(value) || value[0] is not { Length: > 0 } key)
        {
            return false;
        }

        hash = StableHash.Of(key);
        withinLength = !IsLongerThan(key, maxBytes);
        return true;
    }

    // The address bytes, one char each: the same hash for the same address whatever its text form.
    private static bool TryHashClientIp(HttpContext context, out ulong hash)
    {
        hash = 0;
        if (context.Connection.RemoteIpAddress is not { } ip)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out var written);
        Span<char> chars = stackalloc char[written];
        for (var i = 0; i < written; i++)
        {
            chars[i] = (char)bytes[i];
        }

        hash = StableHash.Of(chars);
        return true;
    }

    // UTF-8 takes one to three bytes per UTF-16 char, so only keys in between are counted.
    private static bool IsLongerThan(string key, int maxBytes) =>
        key.Length > maxBytes || (key.Length * 3 > maxBytes && Encoding.UTF8.GetByteCount(key) > maxBytes);
}
