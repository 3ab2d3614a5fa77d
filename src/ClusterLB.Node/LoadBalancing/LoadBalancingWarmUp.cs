using ClusterLB.Core.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// Makes a cluster's balance (parsed weights, and the Maglev table of a ConsistentHash cluster) when
/// YARP applies its configuration, off the request path.
/// </summary>
internal sealed class LoadBalancingWarmUp(DestinationWeights weights) : IClusterChangeListener
{
    public void OnClusterAdded(ClusterState cluster) => Prepare(cluster);

    public void OnClusterChanged(ClusterState cluster) => Prepare(cluster);

    public void OnClusterRemoved(ClusterState cluster)
    {
    }

    private void Prepare(ClusterState cluster)
    {
        var balance = weights.Of(cluster.Model);
        if (string.Equals(cluster.Model.Config.LoadBalancingPolicy, LoadBalancingPolicyNames.ConsistentHash, StringComparison.OrdinalIgnoreCase))
        {
            _ = balance.Maglev;
        }
    }
}
