using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Affinity;

/// <summary>
/// Prepares a keyed cluster's ranking when YARP applies its configuration, off the request path: a
/// Maglev table over 1,000 destinations takes milliseconds to build.
/// </summary>
internal sealed class KeyedAffinityWarmUp : IClusterChangeListener
{
    public void OnClusterAdded(ClusterState cluster) => KeyedAffinityPolicy.Prepare(cluster);

    public void OnClusterChanged(ClusterState cluster) => KeyedAffinityPolicy.Prepare(cluster);

    public void OnClusterRemoved(ClusterState cluster)
    {
    }
}
