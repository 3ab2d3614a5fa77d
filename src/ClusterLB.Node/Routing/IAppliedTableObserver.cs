using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Routing;

/// <summary>
/// A part of the node that prepares its own view of each routing table the node applies (e.g. the
/// per-route policy objects of rate limiting or caching), so that the request path only reads it.
/// Register with <c>services.AddSingleton&lt;IAppliedTableObserver, ...&gt;()</c>.
/// </summary>
public interface IAppliedTableObserver
{
    /// <summary>Called with every table, on the thread that applies it, just before YARP routes by it.</summary>
    void Applying(RoutingTable table);
}
