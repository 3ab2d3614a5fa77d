using System.Net;
using Microsoft.AspNetCore.Http.Features;
using ClusterLB.Node.Dashboard;
using Microsoft.Net.Http.Headers;

namespace ClusterLB.Node.Admin.Access;

/// <summary>
/// The admin listener's front door. Every request except <c>/healthz/*</c> must name one of the
/// listener's hosts (DNS rebinding); every one except those and reads of the dashboard's assets must
/// carry a bearer token (401), have a role that allows the method (403) and, to change anything, a
/// JSON body within the size cap (415, 413; a DELETE without a body needs no type). Nothing behind it
/// runs for a refused request, so a refused request changes nothing.
/// </summary>
public sealed class AdminGuard(AdminCredentials credentials, AdminOptions options, IReadOnlyCollection<string> hostNames, ILogger logger)
{
    private static readonly object TokenNameKey = new();

    /// <summary>The names the admin listener answers to when <paramref name="options"/> adds none but its own.</summary>
    public static IReadOnlyCollection<string> HostNames(AdminOptions options, string adminUrlHost, IEnumerable<string?> more)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", Environment.MachineName, adminUrlHost };
        foreach (var name in options.AllowedHosts.Concat(more))
        {
            if (!string.IsNullOrWhiteSpace(name))
            {
                names.Add(name.Trim());
            }
        }

        return names;
    }

    /// <summary>Runs the checks, then <paramref name="next"/> for an admitted request.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/healthz"))
        {
            await next(context);
            return;
        }

        if (!IsAllowedHost(request.Host))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest,
                $"Host '{request.Host.Host}' is not a name of this admin listener; add it to ClusterLB:Admin:AllowedHosts if it is");
            return;
        }

        // The dashboard's page, script and styles hold no data, and a browser cannot send a bearer token
        // when it navigates: they are open, the data calls the script makes are not. Only reads of exactly
        // those paths pass; the host check above still applies, so a rebound name gets nothing.
        if (DashboardPages.IsAsset(request))
        {
            await next(context);
            return;
        }

        var presented = BearerToken(request);
        var token = presented is null ? null : credentials.Authenticate(presented);
        if (token is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"clusterlb-admin\"";
            await RefuseAsync(context, StatusCodes.Status401Unauthorized,
                presented is null ? "an admin token is required: Authorization: Bearer <token>" : "the admin token is not valid");
            return;
        }

        context.Items[TokenNameKey] = token.Name;
        var mutating = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        if (mutating)
        {
            if (token.Role != AdminRole.Write)
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden, $"token '{token.Name}' may only read; changes need a write token");
                return;
            }

            // A bodiless DELETE is exempt: browsers preflight it cross-site, and it has nothing to type.
            var hasBody = !HttpMethods.IsDelete(request.Method) || request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
            if (hasBody && !IsJson(request.ContentType))
            {
                await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType,
                    $"changes must be sent with Content-Type: application/json, not '{request.ContentType}'");
                return;
            }

            if (request.ContentLength > options.MaxRequestBodySize)
            {
                await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, TooLarge(options.MaxRequestBodySize));
                return;
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = options.MaxRequestBodySize; // a chunked body is cut off here
            }

            logger.LogInformation("Admin change {Method} {Path} with token '{Token}'", request.Method, request.Path, token.Name);
        }

        await next(context);
    }

    /// <summary>The name of the token that was admitted for <paramref name="context"/>; null for an unguarded request.</summary>
    public static string? TokenName(HttpContext context) => context.Items.TryGetValue(TokenNameKey, out var name) ? name as string : null;

    /// <summary>The error text of a body over <paramref name="limit"/> bytes.</summary>
    public static string TooLarge(long limit) => $"the request body is larger than {limit} bytes (ClusterLB:Admin:MaxRequestBodySize)";

    private bool IsAllowedHost(HostString host)
    {
        // An IP literal cannot be a rebound name; a browser only sends one to a page served from it.
        var name = host.Host.Trim('[', ']');
        return IPAddress.TryParse(name, out _) || hostNames.Contains("*") || hostNames.Contains(name);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim()
            : null;
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static Task RefuseAsync(HttpContext context, int status, string error) =>
        AdminProblems.WriteAsync(context, AdminProblems.Failed(status, error));
}
