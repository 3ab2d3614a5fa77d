using System.Diagnostics;
using ClusterLB.Node.Observability;
using ClusterLB.Cluster.Health;
using ClusterLB.Node.Proxy;
using ClusterLB.Node.Routing;
using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Health;

/// <summary>
/// Counts every proxied request for the passive health of its destination and for the node's own
/// request counters. Only the destination's own faults count against it (<see cref="DestinationFaults"/>):
/// connect failures, resets, timeouts, 5xx; never a client that went away or did not send its body. Increments only; the health
/// monitor ships the counts to the destinations' owners once per report window.
/// </summary>
internal static class TrafficObservations
{
    public static IReverseProxyApplicationBuilder UseTrafficObservations(this IReverseProxyApplicationBuilder pipeline)
    {
        var counters = pipeline.ApplicationServices.GetRequiredService<PassiveHealthCounters>();
        var state = pipeline.ApplicationServices.GetRequiredService<NodeState>();
        var metrics = pipeline.ApplicationServices.GetRequiredService<ProxyMetrics>();
        var traffic = pipeline.ApplicationServices.GetRequiredService<TrafficRecorder>();
        pipeline.Use(async (context, next) =>
        {
            var startedAt = Stopwatch.GetTimestamp();
            await next(context);
            var endedAt = Stopwatch.GetTimestamp();
            var error = context.GetForwarderErrorFeature()?.Error;
            var clientGone = error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.UpgradeRequestCanceled;
            var proxyError = error is { } e && e is not ForwarderError.None && !clientGone;
            state.CountRequest(proxyError);
            // A failure for the observe API: the proxy's own error answer or the backend's 5xx; never a client that went away.
            var failed = proxyError || (!clientGone && context.Response.StatusCode >= StatusCodes.Status500InternalServerError);
            if (context.GetReverseProxyFeature() is { ProxiedDestination: { } destination } feature)
            {
                var routeTimedOutWithoutBody = error == ForwarderError.RequestCanceled
                    && context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true
                    && !RequestBodies.Announced(context.Request);
                var clusterId = feature.Cluster.Config.ClusterId;
                counters.Record(clusterId, destination.DestinationId, DestinationFaults.IsDestinationFault(error, context.Response.StatusCode, routeTimedOutWithoutBody));
                metrics.RequestProxied(feature.Route.Config.RouteId, clusterId, destination.DestinationId, context.Response.StatusCode, startedAt, endedAt);
                traffic.Record(clusterId, destination, startedAt, endedAt, failed);
            }
            else
            {
                traffic.Record(null, null, startedAt, endedAt, failed);
            }
        });
        return pipeline;
    }
}
