namespace ClusterLB.Core.Health;

/// <summary>The key of a destination in health and affinity tables.</summary>
public static class DestinationKey
{
    /// <summary><c>cluster/destination</c>.</summary>
    public static string Of(string clusterId, string destinationId) => $"{clusterId}/{destinationId}";
}
