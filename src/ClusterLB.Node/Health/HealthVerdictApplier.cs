using ClusterLB.Cluster.Health;
using ClusterLB.Core.Health;
using ClusterLB.Node.Observability;
using ClusterLB.Node.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Health;
using YarpHealth = Yarp.ReverseProxy.Model.DestinationHealth;

namespace ClusterLB.Node.Health;

/// <summary>
/// Applies the cluster's verdicts to YARP's destinations, so every node takes the same destinations
/// out and puts them back on the same verdict. Re-applied after each routing table, since a new
/// table can bring new destinations.
/// </summary>
internal sealed partial class HealthVerdictApplier(
    IProxyStateLookup proxyState,
    IDestinationHealthUpdater healthUpdater,
    NodeState state,
    ProxyMetrics metrics,
    ILogger<HealthVerdictApplier> logger) : IHealthVerdictConsumer
{
    private volatile IReadOnlyDictionary<string, ReplicatedVerdict> _verdicts = new Dictionary<string, ReplicatedVerdict>();

    /// <summary>The verdicts applied last, by destination key: an immutable snapshot, a new one at each change.</summary>
    public IReadOnlyDictionary<string, ReplicatedVerdict> Verdicts => _verdicts;

    public void Apply(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts)
    {
        _verdicts = verdicts;
        state.VerdictsApplied(verdicts);
        ApplyToProxy();
    }

    /// <summary>Sets every known destination's health from the current verdicts.</summary>
    public void ApplyToProxy()
    {
        var verdicts = _verdicts;
        foreach (var cluster in proxyState.GetClusters())
        {
            var updates = cluster.Destinations.Values
                .Select(d => new NewActiveDestinationHealth(d, ToYarp(verdicts, DestinationKey.Of(cluster.ClusterId, d.DestinationId))))
                .Where(u => u.Destination.Health.Active != u.NewActiveHealth)
                .ToList();
            if (updates.Count > 0)
            {
                healthUpdater.SetActive(cluster, updates);
                foreach (var update in updates)
                {
                    metrics.HealthChanged(cluster.ClusterId, update.Destination.DestinationId, update.NewActiveHealth.ToString());
                }

                Log.Applied(logger, cluster.ClusterId, updates.Count);
            }
        }
    }

    private static YarpHealth ToYarp(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts, string key) =>
        verdicts.TryGetValue(key, out var verdict)
            ? verdict.Verdict switch
            {
                HealthVerdict.Healthy => YarpHealth.Healthy,
                HealthVerdict.Unhealthy => YarpHealth.Unhealthy,
                _ => YarpHealth.Unknown,
            }
            : YarpHealth.Unknown;

    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Applied {Count} health verdict changes to cluster {ClusterId}")]
        public static partial void Applied(ILogger logger, string clusterId, int count);
    }
}
