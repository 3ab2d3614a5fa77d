using ClusterLB.Cluster.Affinity;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Affinity;
using ClusterLB.Node.Health;
using ClusterLB.Node.LoadBalancing;
using ClusterLB.Node.Observability;
using ClusterLB.Node.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.SessionAffinity;

namespace ClusterLB.Node.Hosting;

/// <summary>Registers ClusterLB's YARP policies, each chosen by its name in configuration.</summary>
internal static class PolicyRegistration
{
    public static IServiceCollection AddClusterLBPolicies(this IServiceCollection services)
    {
        services.AddSingleton<IAvailableDestinationsPolicy>(new ClusterVerdictDestinationsPolicy(ClusterVerdictDestinationsPolicy.HealthyAndUnknown, panicWhenNoneHealthy: false));
        services.AddSingleton<IAvailableDestinationsPolicy>(new ClusterVerdictDestinationsPolicy(ClusterVerdictDestinationsPolicy.HealthyOrPanic, panicWhenNoneHealthy: true));
        foreach (var (name, source) in KeyedPolicies)
        {
            services.AddSingleton<ISessionAffinityPolicy>(s => new KeyedAffinityPolicy(
                name, source, s.GetRequiredService<AffinityOverrides>(), s.GetRequiredService<AffinitySettings>(), s.GetRequiredService<TimeProvider>(),
                s.GetService<ProxyMetrics>()));
        }

        services.AddSingleton<IClusterChangeListener>(new KeyedAffinityWarmUp(KeyedPolicies.Select(p => p.Name)));
        return services.AddLoadBalancingPolicies();
    }

    /// <summary>
    /// ClusterLB's load-balancing policies. The weighted <c>PowerOfTwoChoices</c> and
    /// <c>LeastRequests</c> take the place of YARP's, whose registrations are removed: YARP wants one
    /// policy per name.
    /// </summary>
    private static IServiceCollection AddLoadBalancingPolicies(this IServiceCollection services)
    {
        foreach (var replaced in services.Where(IsReplacedYarpPolicy).ToList())
        {
            services.Remove(replaced);
        }

        services.AddSingleton<DestinationArrivals>();
        services.AddSingleton<IAppliedTableObserver>(s => s.GetRequiredService<DestinationArrivals>());
        services.AddSingleton(s => new DestinationWeights(
            s.GetRequiredService<TimeProvider>(), () => s.GetRequiredService<HealthVerdictApplier>().Verdicts, s.GetRequiredService<DestinationArrivals>()));
        services.AddSingleton<ILoadBalancingPolicy, WeightedRoundRobinPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, WeightedPowerOfTwoChoicesPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, WeightedLeastRequestsPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, PeakEwmaPolicy>();
        services.AddSingleton<ILoadBalancingPolicy, ConsistentHashPolicy>();
        services.AddSingleton<IClusterChangeListener, LoadBalancingWarmUp>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformProvider, BackendLatencyTransforms>());
        return services;
    }

    private static bool IsReplacedYarpPolicy(ServiceDescriptor service) =>
        service.ServiceType == typeof(ILoadBalancingPolicy) && service.ImplementationType?.FullName is { } type && ReplacedYarpPolicies.Contains(type);

    private static readonly HashSet<string> ReplacedYarpPolicies =
    [
        "Yarp.ReverseProxy.LoadBalancing.PowerOfTwoChoicesLoadBalancingPolicy",
        "Yarp.ReverseProxy.LoadBalancing.LeastRequestsLoadBalancingPolicy",
    ];

    /// <summary>The keyed affinity policies by name; the names are also in <see cref="Core.Routing.KnownPolicies"/>.</summary>
    private static readonly (string Name, RequestKeyKind Source)[] KeyedPolicies =
    [
        ("KeyedHeader", RequestKeyKind.Header),
        ("KeyedCookie", RequestKeyKind.Cookie),
        ("KeyedQuery", RequestKeyKind.Query),
        ("KeyedClientIp", RequestKeyKind.ClientIp),
    ];
}
