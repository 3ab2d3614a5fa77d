using ClusterLB.Core.LoadBalancing;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// Measures, for clusters balanced by <c>PeakEwma</c>, the time from sending a request to the
/// backend to its response headers, and feeds it to the destination's latency estimate. Other
/// clusters pay one string comparison per request.
/// </summary>
internal sealed class BackendLatencyTransforms(DestinationWeights weights) : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(Sending);
        context.AddResponseTransform(Received);
    }

    private ValueTask Sending(RequestTransformContext context)
    {
        if (IsPeakEwma(context.HttpContext.GetReverseProxyFeature().Cluster))
        {
            context.HttpContext.Features.Set(new BackendRequestStart(weights.Now));
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask Received(ResponseTransformContext context)
    {
        if (context.ProxyResponse is not null
            && context.HttpContext.Features.Get<BackendRequestStart>() is { } start
            && context.HttpContext.GetReverseProxyFeature() is { ProxiedDestination: { } destination, Cluster: var model })
        {
            var balance = weights.Of(model);
            if (balance.IndexOf(destination) is var index and >= 0)
            {
                var now = weights.Now;
                balance.Latencies[index].Observe(now - start.At, now);
            }
        }

        return ValueTask.CompletedTask;
    }

    private static bool IsPeakEwma(ClusterModel model) =>
        string.Equals(model.Config.LoadBalancingPolicy, LoadBalancingPolicyNames.PeakEwma, StringComparison.OrdinalIgnoreCase);

    /// <summary>When the request to the backend was sent, on <see cref="DestinationWeights.Now"/>'s clock.</summary>
    private sealed record BackendRequestStart(TimeSpan At);
}
