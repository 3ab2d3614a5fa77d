using Akka.Actor;
using ClusterLB.Cluster.Caching;

namespace ClusterLB.Node.Caching;

/// <summary>Takes purges sent by any node's admin API (<c>/user/response-cache</c>) and applies them to this node's stores.</summary>
public sealed class ResponseCacheActor : ReceiveActor
{
    /// <summary>Applies each <see cref="PurgeCache"/> to <paramref name="caches"/>.</summary>
    public ResponseCacheActor(ResponseCaches caches) => Receive<PurgeCache>(purge => caches.Purge(purge));
}
