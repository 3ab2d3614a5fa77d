using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Transforms.Builder;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Retries;

/// <summary>Wires retries into the node: the policies of each applied table, the 502/503 transform, the pipeline step.</summary>
public static class RetryPipeline
{
    /// <summary>Registers the retry policies and the transform that holds back 502/503 answers to retry.</summary>
    public static IServiceCollection AddRetries(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<RetryPolicies>();
        services.TryAddSingleton<RequestRetries>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAppliedTableObserver, RetryPolicies>(s => s.GetRequiredService<RetryPolicies>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformProvider, StatusRetryTransforms>());
        return services;
    }

    /// <summary>Adds retries to the YARP pipeline; call before session affinity and load balancing, so that a retry chooses again.</summary>
    public static IReverseProxyApplicationBuilder UseRetries(this IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.Use(pipeline.ApplicationServices.GetRequiredService<RequestRetries>().InvokeAsync);
        return pipeline;
    }
}
