using ClusterLB.Cluster.Serialization;

namespace ClusterLB.Cluster.Caching;

/// <summary>
/// Remove cached responses on the node that receives it: those of route <paramref name="RouteId"/>,
/// those whose path starts with <paramref name="PathPrefix"/>, both, or (neither given) all.
/// Sent by the admin API of any node to every member.
/// </summary>
public sealed record PurgeCache(string? RouteId, string? PathPrefix) : IClusterLBMessage
{
    /// <summary>The name of the actor that takes purges on every node (<c>/user/response-cache</c>).</summary>
    public const string ActorName = "response-cache";
}
