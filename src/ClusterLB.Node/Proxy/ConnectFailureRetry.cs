using ClusterLB.Cluster.Health;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// A request that never reached its destination (its name did not resolve, or the connection could
/// not be established: refused, unreachable, connect timeout) is sent once more to another available destination, as nginx's
/// <c>proxy_next_upstream error</c> and HAProxy's <c>redispatch</c> do. Nothing was delivered, so this
/// is safe for any method; it is limited to answers not yet started, and to requests that announce
/// no body in HTTP/1.1 terms (no length, not chunked). HTTP/2 requests such as gRPC calls announce
/// none either, and are retried too: a request body is only read once a connection exists, so a
/// connect failure has read none of it (GrpcFailoverTests shows a streaming call served this way). It covers the moment between a backend's death and the cluster's
/// verdict: clients see no error while the verdict is on its way. The failed attempt counts for passive health.
/// </summary>
public static class ConnectFailureRetry
{
    /// <summary>Adds the retry; call before session affinity and load balancing, so that the second attempt chooses again.</summary>
    public static IReverseProxyApplicationBuilder UseConnectFailureRetry(this IReverseProxyApplicationBuilder pipeline)
    {
        var counters = pipeline.ApplicationServices.GetRequiredService<PassiveHealthCounters>();
        pipeline.Use(async (context, next) =>
        {
            var proxy = context.GetReverseProxyFeature();
            var candidates = proxy.AvailableDestinations;
            await next();
            if (proxy.ProxiedDestination is not { } failed
                || !NeverReachedDestination(context)
                || context.Response.HasStarted
                || context.RequestAborted.IsCancellationRequested
                || HasBody(context.Request)
                || !HasOther(candidates, failed))
            {
                return;
            }

            counters.Record(proxy.Cluster.Config.ClusterId, failed.DestinationId, failed: true);
            proxy.AvailableDestinations = candidates.Where(d => d != failed).ToList();
            proxy.ProxiedDestination = null;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.Headers.Clear();
            await next();
        });
        return pipeline;
    }

    private static bool NeverReachedDestination(HttpContext context) =>
        context.GetForwarderErrorFeature() is
        {
            Error: ForwarderError.Request,
            Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError },
        };

    /// <summary>Whether <paramref name="request"/> carries a body (a length above zero, or chunked).</summary>
    internal static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static bool HasOther(IReadOnlyList<DestinationState> candidates, DestinationState failed)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i] != failed)
            {
                return true;
            }
        }

        return false;
    }
}
