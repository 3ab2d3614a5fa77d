using System.Runtime.CompilerServices;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Splitting;

/// <summary>
/// Sends a route's request to the cluster its <see cref="TrafficSplit"/> picks, before anything else
/// in the proxy pipeline looks at the cluster (rate limits, the cache, health, affinity, balancing).
/// A route without a split pays one table lookup.
/// </summary>
internal static class TrafficSplitting
{
    private static readonly ConditionalWeakTable<RouteModel, SplitHolder> Splits = new();

    public static IReverseProxyApplicationBuilder UseTrafficSplits(this IReverseProxyApplicationBuilder pipeline)
    {
        var proxyState = pipeline.ApplicationServices.GetRequiredService<IProxyStateLookup>();
        pipeline.Use((context, next) =>
        {
            var proxy = context.GetReverseProxyFeature();
            if (Splits.GetValue(proxy.Route, static r => new SplitHolder(TrafficSplit.Of(r.Config.Metadata))).Split is { } split)
            {
                var side = split.Key is { } key && RequestKeys.TryHash(context, key, out var hash)
                    ? split.Pick(hash)
                    : split.PickBucket(Random.Shared.Next(TrafficSplit.Buckets));
                var clusterId = split.Clusters[side];
                if (proxy.Cluster.Config.ClusterId != clusterId && proxyState.TryGetCluster(clusterId, out var cluster))
                {
                    context.ReassignProxyRequest(cluster);
                }
            }

            return next(context);
        });
        return pipeline;
    }

    private sealed record SplitHolder(TrafficSplit? Split);
}
