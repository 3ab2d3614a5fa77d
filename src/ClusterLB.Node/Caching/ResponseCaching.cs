using System.Collections.Concurrent;
using System.Text;
using ClusterLB.Core.Policies;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Caching;

/// <summary>
/// The shared response cache in YARP's pipeline, for routes whose <c>OutputCachePolicy</c> names a
/// table policy: a fresh stored answer is served without a backend (<c>X-Cache: HIT</c>, with
/// <c>Age</c>); a stale one with a validator is checked with a conditional request, and a 304 renews
/// it; a miss goes to the backend (<c>X-Cache: MISS</c>) and is stored when the rules allow. Misses
/// for one key that arrive together send one request: the others wait for its answer.
/// </summary>
public static class ResponseCaching
{
    /// <summary>How long a request waits for a concurrent miss of the same key before going to the backend itself.</summary>
    private static readonly TimeSpan CollapseWait = TimeSpan.FromSeconds(30);

    /// <summary>Adds the cache; call before traffic observation and load balancing, so a hit touches no destination.</summary>
    public static IReverseProxyApplicationBuilder UseResponseCache(this IReverseProxyApplicationBuilder pipeline)
    {
        var caches = pipeline.ApplicationServices.GetRequiredService<ResponseCaches>();
        var time = pipeline.ApplicationServices.GetRequiredService<TimeProvider>();
        var inFlight = new ConcurrentDictionary<string, TaskCompletionSource<CachedResponse?>>(StringComparer.Ordinal);
        pipeline.Use((context, next) =>
            caches.TryGet(context.GetReverseProxyFeature().Route.Config.RouteId, out var cache)
                ? CacheAsync(context, next, caches, cache, time, inFlight)
                : next(context));
        return pipeline;
    }

    private static async Task CacheAsync(
        HttpContext context,
        RequestDelegate next,
        ResponseCaches caches,
        RouteCache cache,
        TimeProvider time,
        ConcurrentDictionary<string, TaskCompletionSource<CachedResponse?>> inFlight)
    {
        var routeId = context.GetReverseProxyFeature().Route.Config.RouteId;
        if (!IsSafe(context.Request.Method))
        {
            // A change that succeeded makes what is stored for its URL stale (RFC 9111 §4.4).
            var path = context.Request.Path.Value ?? "/";
            await next(context);
            if (context.Response.StatusCode is >= 200 and < 400)
            {
                cache.Store.Remove(entry => entry.RouteId == routeId && entry.Path == path);
            }

            return;
        }

        if (!CacheRules.MayUse(context.Request, cache.Policy))
        {
            await next(context);
            return;
        }

        var primary = PrimaryKey(routeId, context.GetReverseProxyFeature().Cluster.Config.ClusterId, context.Request);
        var vary = VaryNames(cache.Policy, cache.Store.VaryFor(primary));
        var key = Key(primary, vary, context.Request);
        var revalidate = CacheRules.WantsRevalidation(context.Request);
        if (cache.Store.TryGet(key, out var stored))
        {
            if (!revalidate && stored.IsFresh(time.GetUtcNow()))
            {
                caches.CountHit();
                await ServeAsync(context, stored, time.GetUtcNow());
                return;
            }

            if ((stored.ETag ?? stored.LastModified) is not null && !HasOwnConditions(context.Request))
            {
                await RevalidateAsync(context, next, caches, cache, primary, stored, time);
                return;
            }
        }

        var flight = new TaskCompletionSource<CachedResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var leader = inFlight.GetOrAdd(key, flight);
        if (leader != flight)
        {
            var shared = await WaitForAsync(leader.Task, context.RequestAborted);
            if (shared is not null && shared.IsFresh(time.GetUtcNow()))
            {
                caches.CountHit();
                await ServeAsync(context, shared, time.GetUtcNow());
                return;
            }

            caches.CountMiss();
            await next(context); // not storable: each request goes to the backend
            return;
        }

        CachedResponse? fetched = null;
        try
        {
            caches.CountMiss();
            MarkMiss(context);
            fetched = await FetchAsync(context, next, cache, primary, time, hold: false);
        }
        finally
        {
            inFlight.TryRemove(KeyValuePair.Create(key, flight));
            flight.TrySetResult(fetched);
        }
    }

    private static async Task RevalidateAsync(
        HttpContext context, RequestDelegate next, ResponseCaches caches, RouteCache cache, string primary, CachedResponse stored, TimeProvider time)
    {
        if (stored.ETag is { } etag)
        {
            context.Request.Headers.IfNoneMatch = etag;
        }

        if (stored.LastModified is { } lastModified)
        {
            context.Request.Headers.IfModifiedSince = lastModified;
        }

        var original = context.Response.Body;
        var capture = new CaptureStream(original, cache.Policy.MaxEntryBytes ?? ResponseCachePolicy.DefaultMaxEntryBytes, hold: true);
        context.Response.Body = capture;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
            context.Request.Headers.Remove(HeaderNames.IfNoneMatch); // ours, not the client's: it holds no copy
            context.Request.Headers.Remove(HeaderNames.IfModifiedSince);
        }

        var now = time.GetUtcNow();
        if (context.Response.StatusCode == StatusCodes.Status304NotModified && context.GetForwarderErrorFeature() is null)
        {
            var freshness = CacheRules.Freshness(stored.Status, context.Response.Headers, now, cache.Policy) ?? TimeSpan.Zero;
            var renewed = stored.Refreshed(context.Response.Headers, now, freshness);
            var vary = VaryNames(cache.Policy, VaryOf(renewed.Headers));
            cache.Store.Set(primary, vary, Key(primary, vary, context.Request), renewed);
            caches.CountRevalidated();
            context.Response.Headers.Clear();
            await ServeAsync(context, renewed, now);
            return;
        }

        // The backend sent a new answer: it goes to the client, and is stored like any other.
        caches.CountMiss();
        context.Response.Headers["X-Cache"] = "MISS";
        if (!capture.Overflowed)
        {
            Store(context, cache, primary, capture, now);
            await original.WriteAsync(capture.Captured, context.RequestAborted);
        }
    }

    private static async Task<CachedResponse?> FetchAsync(
        HttpContext context, RequestDelegate next, RouteCache cache, string primary, TimeProvider time, bool hold)
    {
        var original = context.Response.Body;
        var capture = new CaptureStream(original, cache.Policy.MaxEntryBytes ?? ResponseCachePolicy.DefaultMaxEntryBytes, hold);
        context.Response.Body = capture;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        return capture.Overflowed ? null : Store(context, cache, primary, capture, time.GetUtcNow());
    }

    private static CachedResponse? Store(HttpContext context, RouteCache cache, string primary, CaptureStream capture, DateTimeOffset now)
    {
        var response = context.Response;
        if (!HttpMethods.IsGet(context.Request.Method)
            || context.GetForwarderErrorFeature() is not null
            || context.RequestAborted.IsCancellationRequested
            || CacheRules.Freshness(response.StatusCode, response.Headers, now, cache.Policy) is not { } freshness)
        {
            return null;
        }

        var vary = VaryNames(cache.Policy, response.Headers.Vary.SelectMany(v => (v ?? "").Split(',')).ToArray());
        var entry = new CachedResponse(
            context.GetReverseProxyFeature().Route.Config.RouteId,
            context.Request.Path.Value ?? "/",
            response.StatusCode,
            CachedResponse.StoredHeaders(response.Headers),
            capture.Captured.ToArray(),
            now,
            CacheRules.InitialAge(response.Headers),
            freshness);
        cache.Store.Set(primary, vary, Key(primary, vary, context.Request), entry);
        return entry;
    }

    private static async Task ServeAsync(HttpContext context, CachedResponse entry, DateTimeOffset now)
    {
        var response = context.Response;
        foreach (var (name, value) in entry.Headers)
        {
            response.Headers[name] = value;
        }

        response.Headers.Age = ((long)entry.Age(now).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["X-Cache"] = "HIT";
        if (entry.ETag is { } etag && context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } asked
            && asked.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*"))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = entry.Status;
        response.ContentLength = entry.Body.Length;
        if (!HttpMethods.IsHead(context.Request.Method) && entry.Body.Length > 0)
        {
            await response.Body.WriteAsync(entry.Body, context.RequestAborted);
        }
    }

    private static void MarkMiss(HttpContext context) => context.Response.OnStarting(() =>
    {
        if (!context.Response.Headers.ContainsKey("X-Cache"))
        {
            context.Response.Headers["X-Cache"] = "MISS";
        }

        return Task.CompletedTask;
    });

    private static async Task<CachedResponse?> WaitForAsync(Task<CachedResponse?> leader, CancellationToken aborted)
    {
        try
        {
            return await leader.WaitAsync(CollapseWait, aborted);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool HasOwnConditions(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderNames.IfNoneMatch) || request.Headers.ContainsKey(HeaderNames.IfModifiedSince);

    // The cluster too: a route split between clusters (canary) keeps each side's answers apart.
    private static string PrimaryKey(string routeId, string clusterId, HttpRequest request) =>
        $"{routeId}\n{clusterId}\n{request.Host.Value?.ToLowerInvariant()}\n{request.Path.Value}{request.QueryString.Value}";

    private static string[] VaryOf(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> headers) =>
        headers.Where(h => string.Equals(h.Key, HeaderNames.Vary, StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value.SelectMany(v => (v ?? "").Split(','))).ToArray();

    private static string[] VaryNames(ResponseCachePolicy policy, IEnumerable<string> fromBackend) =>
        fromBackend.Concat(policy.VaryByHeaders ?? [])
            .Select(n => n.Trim().ToLowerInvariant())
            .Where(n => n.Length > 0)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static string Key(string primary, string[] vary, HttpRequest request)
    {
        if (vary.Length == 0)
        {
            return primary;
        }

        var key = new StringBuilder(primary);
        foreach (var name in vary)
        {
            key.Append('\n').Append(name).Append('=').Append(request.Headers[name].ToString());
        }

        return key.ToString();
    }
}
