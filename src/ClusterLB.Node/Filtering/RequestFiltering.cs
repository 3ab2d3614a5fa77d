using ClusterLB.Core.Policies;
using ClusterLB.Node.Proxy;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Filtering;

/// <summary>
/// Applies the request filters: those with <c>AllRoutes</c>, then the one the route names in its
/// metadata (<c>ClusterLB.RequestFilter</c>). A refused request is answered 403 (405 for a method,
/// 413 for a body size) with its request id, and logged; an observe-only filter logs what it would refuse.
/// </summary>
internal sealed partial class RequestFiltering(RequestDelegate next, RequestFilterCatalog catalog, ILogger<RequestFiltering> logger)
{
    /// <summary>Refuses the request or hands it on.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        var snapshot = catalog.Current;
        if (snapshot.IsEmpty)
        {
            return next(context);
        }

        foreach (var filter in snapshot.AllRoutes)
        {
            if (Judge(context, filter) is { } verdict)
            {
                return RefuseAsync(context, filter, verdict);
            }
        }

        var route = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>();
        if (route?.Config.Metadata?.TryGetValue(RequestFilteringPolicy.RouteMetadataKey, out var name) == true)
        {
            if (!snapshot.ByName.TryGetValue(name, out var filter))
            {
                // Only between two tables: the validator refuses a route naming a missing filter. Fail closed.
                Log.FilterMissing(logger, name, route.Config.RouteId, context.TraceIdentifier);
                return WriteAsync(context, StatusCodes.Status403Forbidden, "403 Forbidden: the route's request filter is not available");
            }

            if (!filter.AllRoutesAlready(snapshot) && Judge(context, filter) is { } verdict)
            {
                return RefuseAsync(context, filter, verdict);
            }
        }

        return next(context);
    }

    /// <summary>Why <paramref name="filter"/> refuses the request; null when it passes or the filter only observes.</summary>
    private FilterVerdict? Judge(HttpContext context, RequestFilter filter)
    {
        if (filter.Check(context, context.Connection.RemoteIpAddress) is not { } verdict)
        {
            return null;
        }

        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (filter.ObserveOnly)
        {
            Log.WouldRefuse(logger, filter.Name, context.Request.Method, context.Request.Path, client, verdict.Reason, verdict.Rule, context.TraceIdentifier);
            return null;
        }

        Log.Refused(logger, filter.Name, context.Request.Method, context.Request.Path, client, verdict.Reason, verdict.Rule, context.TraceIdentifier);
        return verdict;
    }

    private static Task RefuseAsync(HttpContext context, RequestFilter filter, FilterVerdict verdict)
    {
        if (verdict.Status == StatusCodes.Status405MethodNotAllowed)
        {
            context.Response.Headers.Allow = filter.AllowedMethods;
        }

        // The rule stays in the log: telling the client which rule caught it would help it get round it.
        return WriteAsync(context, verdict.Status, verdict.Status switch
        {
            StatusCodes.Status405MethodNotAllowed => "405 Method Not Allowed",
            StatusCodes.Status413PayloadTooLarge => "413 Payload Too Large",
            _ => "403 Forbidden: refused by the request filter",
        });
    }

    private static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers[ProxyErrorResponses.ErrorHeader] = "RequestFiltered";
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync($"{message}; request id {context.TraceIdentifier}\n", context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "Request filter {Policy} refused {Method} {Path} from {Client}: {Reason} ({Rule}), request id {RequestId}")]
        public static partial void Refused(ILogger logger, string policy, string method, PathString path, string client, string reason, string rule, string requestId);

        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Request filter {Policy} (observe only) would refuse {Method} {Path} from {Client}: {Reason} ({Rule}), request id {RequestId}")]
        public static partial void WouldRefuse(ILogger logger, string policy, string method, PathString path, string client, string reason, string rule, string requestId);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Route {RouteId} names request filter {Policy}, which the running table does not have; refused request {RequestId}")]
        public static partial void FilterMissing(ILogger logger, string policy, string routeId, string requestId);
    }
}
