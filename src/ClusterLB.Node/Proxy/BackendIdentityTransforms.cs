using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// Transforms on every route: removes the backend-identifying response headers
/// (<see cref="ResponseHeaderOptions"/>) and, when configured, adds ClusterLB's <c>Via</c> hop.
/// </summary>
internal sealed class BackendIdentityTransforms(ResponseHeaderOptions headers, ForwardingOptions forwarding) : ITransformProvider
{
    private readonly IReadOnlyList<string> _remove = headers.EffectiveRemove;
    private readonly string? _via = string.IsNullOrEmpty(forwarding.Via) ? null : $"1.1 {forwarding.Via}";

    /// <inheritdoc />
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    /// <inheritdoc />
    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    /// <inheritdoc />
    public void Apply(TransformBuilderContext context)
    {
        foreach (var header in _remove)
        {
            context.AddResponseHeaderRemove(header, ResponseCondition.Always);
        }

        if (_via is { } via)
        {
            context.AddRequestTransform(transform =>
            {
                transform.ProxyRequest.Headers.TryAddWithoutValidation("Via", via);
                return ValueTask.CompletedTask;
            });
            context.AddResponseTransform(transform =>
            {
                transform.HttpContext.Response.Headers.Append("Via", via);
                return ValueTask.CompletedTask;
            });
        }
    }
}
