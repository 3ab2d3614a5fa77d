using System.Text.RegularExpressions;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// Answers 400 to a request whose path would hold a dot segment under a lenient reading: '.', '/'
/// or '\' still percent-encoded after Kestrel's decoding (<c>..%2f</c>, double encoding such as
/// <c>%252e%252e</c>), a backslash, or an overlong UTF-8 form (<c>%c0%ae</c>). Kestrel has already
/// removed the real dot segments, so one that appears only this way is an attempt to climb out of
/// the route's prefix at a backend that decodes again, or decodes more loosely. Encoded slashes in
/// ordinary segments (<c>group%2Fproject</c>) still pass.
/// </summary>
public static partial class AmbiguousPathRejection
{
    /// <summary>Header naming the proxy's reason for the 400.</summary>
    public const string Reason = "AmbiguousPath";

    /// <summary>Adds the check to the YARP pipeline, before anything is sent to a backend.</summary>
    public static IReverseProxyApplicationBuilder UseAmbiguousPathRejection(this IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.Use((context, next) => IsAmbiguous(context.Request.Path.Value) ? RefuseAsync(context) : next(context));
        return pipeline;
    }

    private static Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.Headers[ProxyErrorResponses.ErrorHeader] = Reason;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("400 Bad Request: the path has an encoded dot segment\n", CancellationToken.None);
    }

    /// <summary>Whether <paramref name="path"/>, as Kestrel decoded it, has a dot segment once every encoding of '.', '/' and '\' is read.</summary>
    public static bool IsAmbiguous(string? path)
    {
        if (string.IsNullOrEmpty(path) || (path.IndexOf('%') < 0 && path.IndexOf('\\') < 0))
        {
            return false;
        }

        var lenient = EncodedDotOrSlash().Replace(path, m => m.Value[^1] is 'e' or 'E' ? "." : "/").Replace('\\', '/');
        foreach (var segment in lenient.Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }

    // %2e, %2f, %5c, and the overlong UTF-8 forms of '.' and '/' (two and three bytes).
    [GeneratedRegex("%2e|%2f|%5c|%c0%ae|%c0%af|%c1%9c|%e0%80%ae|%e0%80%af", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EncodedDotOrSlash();
}
