using ClusterLB.Cluster.Health;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Health;

/// <summary>
/// Counts every proxied request for the passive health of its destination (connect failures,
/// resets, timeouts, 5xx) and for the node's own request counters. Increments only; the health
/// monitor ships the counts to the destinations' owners once per report window.
/// </summary>
internal static class TrafficObservations
{
    public static IReverseProxyApplicationBuilder UseTrafficObservations(this IReverseProxyApplicationBuilder pipeline)
    {
        var counters = pipeline.ApplicationServices.GetRequiredService<PassiveHealthCounters>();
        var state = pipeline.ApplicationServices.GetRequiredService<NodeState>();
        pipeline.Use(async (context, next) =>
        {
            await next();
            var proxyError = context.GetForwarderErrorFeature() is { } error
                && error.Error is not (ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.UpgradeRequestCanceled);
            state.CountRequest(proxyError);
            if (context.GetReverseProxyFeature() is { ProxiedDestination: { } destination } feature)
            {
                counters.Record(feature.Cluster.Config.ClusterId, destination.DestinationId, proxyError || context.Response.StatusCode >= 500);
            }
        });
        return pipeline;
    }
}
