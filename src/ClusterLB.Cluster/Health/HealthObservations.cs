using System.Collections.Immutable;
using ClusterLB.Core.Health;

namespace ClusterLB.Cluster.Health;

/// <summary>One health probe as its owner sent it.</summary>
/// <param name="At">When the probe was answered or gave up.</param>
/// <param name="Ok">Whether it passed.</param>
/// <param name="Status">The HTTP status the destination answered; null when it did not answer.</param>
/// <param name="Ms">How long the probe took, in milliseconds.</param>
/// <param name="Error">Why it failed without an answer (timeout, connection refused); null otherwise.</param>
public sealed record ProbeRecord(DateTimeOffset At, bool Ok, int? Status, double Ms, string? Error);

/// <summary>What the owner of one destination knows first hand: its last probes and the traffic results it judged.</summary>
/// <param name="Key">The destination's key, <c>cluster/destination</c>.</param>
/// <param name="Probes">The most recent probes, oldest first.</param>
/// <param name="Passive">Every node's real-traffic results for it over the last windows the owner judged; null when none arrived.</param>
/// <param name="PassiveSeconds">Seconds <paramref name="Passive"/> covers.</param>
public sealed record OwnedDestinationHealth(string Key, IReadOnlyList<ProbeRecord> Probes, PassiveCount? Passive, int PassiveSeconds);

/// <summary>
/// The health monitor's first-hand observations, published as an immutable snapshot that the member
/// report reads without waiting on the actor.
/// </summary>
public sealed class HealthObservations
{
    /// <summary>Probes kept per destination.</summary>
    public const int ProbesKept = 5;

    private volatile IReadOnlyList<OwnedDestinationHealth> _owned = ImmutableArray<OwnedDestinationHealth>.Empty;

    /// <summary>The destinations this node owns, with what it observed; ordered by key.</summary>
    public IReadOnlyList<OwnedDestinationHealth> Owned => _owned;

    /// <summary>Replaces the snapshot; called by the health monitor.</summary>
    internal void Publish(IReadOnlyList<OwnedDestinationHealth> owned) => _owned = owned;

    /// <summary>
    /// At most <paramref name="max"/> of <paramref name="owned"/> (ordered by key), those with a
    /// failed probe or failed traffic first: what a member report carries. Every report is gossiped
    /// to every member, and all of a node's destinations would make it grow with the cluster's
    /// destinations (about 0.5 kB each: 1.6 MB a report at 10,000 destinations on three nodes).
    /// </summary>
    public static IReadOnlyList<OwnedDestinationHealth> MostTelling(IReadOnlyList<OwnedDestinationHealth> owned, int max)
    {
        if (owned.Count <= max)
        {
            return owned;
        }

        return owned
            .OrderBy(o => o.Probes.Any(p => !p.Ok) || o.Passive is { Failed: > 0 } ? 0 : 1) // stable: by key within each
            .Take(max)
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
    }
}
