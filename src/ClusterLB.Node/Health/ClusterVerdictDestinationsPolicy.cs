using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Health;

/// <summary>
/// Which destinations take traffic, by the cluster's replicated verdicts (applied to YARP as the
/// destinations' active health). YARP's own policies only look at health when YARP itself probes;
/// ClusterLB probes once per cluster instead, so these policies look at the verdicts always.
/// </summary>
internal sealed class ClusterVerdictDestinationsPolicy(string name, bool panicWhenNoneHealthy) : IAvailableDestinationsPolicy
{
    /// <summary>Our policy for YARP's <c>HealthyAndUnknown</c> (the default).</summary>
    public const string HealthyAndUnknown = "ClusterLB.HealthyAndUnknown";

    /// <summary>Our policy for YARP's <c>HealthyOrPanic</c>: everything when nothing is healthy.</summary>
    public const string HealthyOrPanic = "ClusterLB.HealthyOrPanic";

    public string Name => name;

    public IReadOnlyList<DestinationState> GetAvailalableDestinations(ClusterConfig config, IReadOnlyList<DestinationState> allDestinations)
    {
        var available = allDestinations.Where(d => d.Health.Active != DestinationHealth.Unhealthy).ToList();
        return available.Count == 0 && panicWhenNoneHealthy ? allDestinations : available;
    }

    /// <summary>Our policy name for the YARP policy name a cluster configures.</summary>
    public static string For(string? configured) =>
        string.Equals(configured, "HealthyOrPanic", StringComparison.OrdinalIgnoreCase) ? HealthyOrPanic : HealthyAndUnknown;
}
