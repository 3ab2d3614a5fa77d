namespace ClusterLB.Core.Health;

/// <summary>Real-traffic results for one destination in one report window.</summary>
/// <param name="Failed">Requests that failed through the destination's fault.</param>
/// <param name="Total">All requests.</param>
/// <param name="FailuresSinceSuccess">Failed requests after the window's last successful one (0 from nodes that do not count it).</param>
public sealed record PassiveCount(int Failed, int Total, int FailuresSinceSuccess = 0)
{
    /// <summary>Requests that did not fail.</summary>
    public int Succeeded => Total - Failed;

    /// <summary>Failures at the end of the window with no success after them.</summary>
    public int Trailing => Succeeded > 0 ? FailuresSinceSuccess : Failed;

    /// <summary>
    /// The windows of two nodes as one. Requests of different nodes have no common order, so the
    /// failures in a row are the longer run when both saw a success, and both runs added when one
    /// saw none (its failures may all have come after the other's success).
    /// </summary>
    public PassiveCount Add(PassiveCount other)
    {
        var total = Total + other.Total;
        var failed = Failed + other.Failed;
        var trailing = Succeeded > 0 && other.Succeeded > 0 ? Math.Max(Trailing, other.Trailing) : Trailing + other.Trailing;
        return new PassiveCount(failed, total, total > failed ? trailing : failed);
    }
}
