namespace ClusterLB.Core.RateLimiting;

/// <summary>
/// How much of a client key's cluster-wide limit one node may admit: a share that follows where the
/// key's requests arrive. Every node computes its own share from the same demand figures, so the shares
/// of the live nodes add up to one.
/// </summary>
public static class DemandShare
{
    /// <summary>
    /// Part of the limit kept for the nodes where a key has no demand, split evenly among all nodes, so that
    /// a client that DNS moves to another node is admitted there at once, a little, until the next rebalancing.
    /// </summary>
    public const double IdleReserve = 0.05;

    /// <summary>
    /// The share of a node whose demand for a key is <paramref name="own"/> while the other live nodes
    /// together have <paramref name="others"/> (requests per second), among <paramref name="liveNodes"/> nodes.
    /// With no demand anywhere, each node has an even share.
    /// </summary>
    public static double Of(double own, double others, int liveNodes)
    {
        if (liveNodes <= 1)
        {
            return 1;
        }

        var total = own + others;
        if (total <= 0)
        {
            return 1.0 / liveNodes;
        }

        var floor = IdleReserve / liveNodes;
        return floor + ((1 - (liveNodes * floor)) * Math.Clamp(own / total, 0, 1));
    }
}
