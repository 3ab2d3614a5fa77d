using ClusterLB.Cluster.Affinity;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Affinity;
using ClusterLB.Node.Health;
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
                name, source, s.GetRequiredService<AffinityOverrides>(), s.GetRequiredService<AffinitySettings>(), s.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<IClusterChangeListener>(new KeyedAffinityWarmUp(KeyedPolicies.Select(p => p.Name)));
        return services;
    }

    /// <summary>The keyed affinity policies by name; the names are also in <see cref="Core.Routing.KnownPolicies"/>.</summary>
    private static readonly (string Name, RequestKeyKind Source)[] KeyedPolicies =
    [
        ("KeyedHeader", RequestKeyKind.Header),
        ("KeyedCookie", RequestKeyKind.Cookie),
        ("KeyedQuery", RequestKeyKind.Query),
        ("KeyedClientIp", RequestKeyKind.ClientIp),
    ];
}
