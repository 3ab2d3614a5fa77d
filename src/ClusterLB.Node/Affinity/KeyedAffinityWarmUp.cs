using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Affinity;

/// <summary>
/// Prepares a keyed cluster's ranking when YARP applies its configuration, off the request path: a
/// Maglev table over 1,000 destinations takes milliseconds to build.
/// </summary>
internal sealed class KeyedAffinityWarmUp(IEnumerable<string> keyedPolicies) : IClusterChangeListener
{
    private readonly HashSet<string> _keyedPolicies = new(keyedPolicies, StringComparer.OrdinalIgnoreCase);

    public void OnClusterAdded(ClusterState cluster) => Prepare(cluster);

    public void OnClusterChanged(ClusterState cluster) => Prepare(cluster);

    public void OnClusterRemoved(ClusterState cluster)
    {
    }

    private void Prepare(ClusterState cluster)
    {
        if (cluster.Model is { Config.SessionAffinity.Policy: { } policy } model && _keyedPolicies.Contains(policy))
        {
            KeyedAffinityPolicy.Prepare(model);
        }
    }
}
