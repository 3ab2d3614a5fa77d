using ClusterLB.Core.Retries;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ClusterLB.Node.Retries;

/// <summary>
/// On the routes of clusters that retry 502 or 503 answers: when a destination answers one and
/// <see cref="RequestRetries"/> offered a retry, takes it from the budget and keeps the answer's body from the
/// client (YARP copies nothing more), so the request can go to another destination. Without the offer or
/// the budget, the answer passes through untouched.
/// </summary>
internal sealed class StatusRetryTransforms : ITransformProvider
{
    private readonly RetryPolicies _policies;
    private readonly Func<ResponseTransformContext, ValueTask> _transform;

    public StatusRetryTransforms(RetryPolicies policies)
    {
        _policies = policies;
        _transform = SuppressForRetry;
    }

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
        if (RetryMetadata.Policy(context.Cluster?.Metadata) is { Enabled: true } policy && (policy.On & (RetryOn.Status502 | RetryOn.Status503)) != 0)
        {
            context.AddResponseTransform(_transform);
        }
    }

    private ValueTask SuppressForRetry(ResponseTransformContext transform)
    {
        var context = transform.HttpContext;
        if (transform.ProxyResponse is not { } response
            || context.Features.Get<RetryTicket>() != RetryTicket.Offered
            || _policies.ForCluster(context.GetReverseProxyFeature().Cluster.Config.ClusterId) is not { } cluster
            || !cluster.Policy.RetriesStatus((int)response.StatusCode))
        {
            return ValueTask.CompletedTask;
        }

        if (!cluster.Budget.TryWithdraw())
        {
            cluster.Counts.CountDenied();
            return ValueTask.CompletedTask;
        }

        transform.SuppressResponseBody = true;
        context.Features.Set(RetryTicket.Taken);
        return ValueTask.CompletedTask;
    }
}
