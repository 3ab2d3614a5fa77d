using System.Collections.Frozen;
using System.Reflection;

namespace ClusterLB.Node.Dashboard;

/// <summary>
/// The live dashboard on the admin listener: a page, a script and a style sheet embedded in the node, so
/// it needs no CDN and no files beside the binary. They hold no data; the script asks the admin API for
/// everything with the token the user gives it.
/// </summary>
internal static class DashboardPages
{
    /// <summary>Where the dashboard lives on the admin listener.</summary>
    public const string Root = "/dashboard/";

    // No inline script or style, and the page may talk to its own origin only.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, Asset> Assets = new Dictionary<string, Asset>(StringComparer.Ordinal)
    {
        [Root] = Asset.Load("index.html", "text/html; charset=utf-8"),
        [Root + "dashboard.js"] = Asset.Load("dashboard.js", "text/javascript; charset=utf-8"),
        [Root + "dashboard.css"] = Asset.Load("dashboard.css", "text/css; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Whether <paramref name="request"/> asks for one of the dashboard's assets or its redirects: exactly
    /// these paths, GET only. The admin guard lets them in without a token, since they carry no data.
    /// </summary>
    public static bool IsAsset(HttpRequest request) =>
        HttpMethods.IsGet(request.Method)
        && (request.Path == "/" || request.Path == "/dashboard" || Assets.ContainsKey(request.Path.Value ?? ""));

    /// <summary>Maps the dashboard's assets, and redirects <c>/</c> and <c>/dashboard</c> to it.</summary>
    public static void Map(WebApplication admin)
    {
        // Pages for a browser, not operations of the admin API: the OpenAPI document leaves them out.
        admin.MapGet("/", () => Results.Redirect(Root)).ExcludeFromDescription();
        foreach (var (path, asset) in Assets)
        {
            admin.MapGet(path, (HttpContext context) => IsWithoutSlash(context.Request) ? Results.Redirect(Root) : Serve(context, asset))
                .ExcludeFromDescription();
        }
    }

    // Routing matches /dashboard as /dashboard/; the page needs the slash for its relative links.
    private static bool IsWithoutSlash(HttpRequest request) => request.Path == "/dashboard";

    private static IResult Serve(HttpContext context, Asset asset)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // The page must come fresh from the node that serves it (it changes with the node's version);
        // the script and styles are revalidated for the same reason.
        headers.CacheControl = asset.ContentType.StartsWith("text/html", StringComparison.Ordinal) ? "no-store" : "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private sealed record Asset(byte[] Content, string ContentType)
    {
        public static Asset Load(string name, string contentType)
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Dashboard/{name}")
                ?? throw new InvalidOperationException($"the dashboard asset {name} is not embedded in the node");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return new Asset(copy.ToArray(), contentType);
        }
    }
}
