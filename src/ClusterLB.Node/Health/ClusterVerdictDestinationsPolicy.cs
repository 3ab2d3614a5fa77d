using ClusterLB.Core.Health;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Health;

/// <summary>
/// Which destinations take traffic, by the cluster's replicated verdicts (applied to YARP as the
/// destinations' active health). YARP's own policies only look at health when YARP itself probes;
/// ClusterLB probes once per cluster instead, so these policies look at the verdicts always.
/// A cluster's panic threshold (<see cref="HealthPolicyMetadata.PanicThresholdPercent"/>) sends
/// traffic to every destination once fewer than that share are available, rather than overload the few.
/// </summary>
internal sealed class ClusterVerdictDestinationsPolicy(string name, bool panicWhenNoneHealthy) : IAvailableDestinationsPolicy
{
    /// <summary>Our policy for YARP's <c>HealthyAndUnknown</c> (the default).</summary>
    public const string HealthyAndUnknown = "ClusterLB.HealthyAndUnknown";

    /// <summary>Our policy for YARP's <c>HealthyOrPanic</c>: everything when nothing is healthy.</summary>
    public const string HealthyOrPanic = "ClusterLB.HealthyOrPanic";

    public string Name => name;

    // Runs for every request: with no destination unhealthy (the usual case) it returns YARP's own
    // list and allocates nothing.
    public IReadOnlyList<DestinationState> GetAvailalableDestinations(ClusterConfig config, IReadOnlyList<DestinationState> allDestinations)
    {
        var unhealthy = 0;
        for (var i = 0; i < allDestinations.Count; i++)
        {
            if (allDestinations[i].Health.Active == DestinationHealth.Unhealthy)
            {
                unhealthy++;
            }
        }

        if (unhealthy == 0)
        {
            return allDestinations;
        }

        if (Panics(config, allDestinations.Count, allDestinations.Count - unhealthy))
        {
            return allDestinations;
        }

        if (unhealthy == allDestinations.Count)
        {
            return [];
        }

        var available = new List<DestinationState>(allDestinations.Count - unhealthy);
        for (var i = 0; i < allDestinations.Count; i++)
        {
            if (allDestinations[i].Health.Active != DestinationHealth.Unhealthy)
            {
                available.Add(allDestinations[i]);
            }
        }

        return available;
    }

    private bool Panics(ClusterConfig config, int all, int available) =>
        (panicWhenNoneHealthy && available == 0)
        || (HealthPolicyMetadata.PanicThreshold(config.Metadata) is { } threshold && (long)available * 100 < (long)threshold * all);

    /// <summary>Our policy name for the YARP policy name a cluster configures.</summary>
    public static string For(string? configured) =>
        string.Equals(configured, "HealthyOrPanic", StringComparison.OrdinalIgnoreCase) ? HealthyOrPanic : HealthyAndUnknown;
}
