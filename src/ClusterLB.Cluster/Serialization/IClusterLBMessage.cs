namespace ClusterLB.Cluster.Serialization;

/// <summary>Marker for ClusterLB's own messages, bound to <see cref="ClusterLBSerializer"/>.</summary>
public interface IClusterLBMessage
{
}
