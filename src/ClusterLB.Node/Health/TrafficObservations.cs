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
        pipeline.Use(async (context, next) =>
        {
            var startedAt = Stopwatch.GetTimestamp();
            await next();
            var error = context.GetForwarderErrorFeature()?.Error;
            state.CountRequest(error is { } e && e is not (ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.UpgradeRequestCanceled));
            if (context.GetReverseProxyFeature() is { ProxiedDestination: { } destination } feature)
            {
                var routeTimedOutWithoutBody = error == ForwarderError.RequestCanceled
                    && context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true
                    && !RequestBodies.Announced(context.Request);
                counters.Record(feature.Cluster.Config.ClusterId, destination.DestinationId, DestinationFaults.IsDestinationFault(error, context.Response.StatusCode, routeTimedOutWithoutBody));
                metrics.RequestProxied(feature.Route.Config.RouteId, feature.Cluster.Config.ClusterId, destination.DestinationId, context.Response.StatusCode, startedAt);
            }
        });
        return pipeline;
    }
}
