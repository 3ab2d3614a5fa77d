using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;

namespace ClusterLB.Core.LoadBalancing;

/// <summary>
/// Consistent hashing of request keys over a cluster's configured destinations with a Maglev table:
/// every node with the same destinations sends a key to the same one, and adding or removing a
/// destination moves few keys of the others. When a key's destination is unavailable the key goes
/// to the best available one in its rendezvous ranking, which is also the same on every node.
/// </summary>
public static class ConsistentHashing
{
    /// <summary>The fewest slots of a table: the same size for 1 to 65 destinations.</summary>
    public const int MinimumTableSize = 65_521;

    /// <summary>The fewest slots per destination.</summary>
    public const int SlotsPerDestination = 1_000;

    /// <summary>
    /// The Maglev table over destinations identified by <paramref name="destinationHashes"/> (in a
    /// fixed order). Larger than key-based affinity's: with at least 1,000 slots per destination,
    /// removing one moves at most about 1 % of the other destinations' keys, and the table keeps its
    /// size (so only those keys move) while the cluster stays within 65 destinations, or between the
    /// same powers of two above.
    /// </summary>
    public static MaglevTable BuildTable(ReadOnlySpan<ulong> destinationHashes) =>
        MaglevTable.Build(destinationHashes, SlotsPerDestination, MinimumTableSize);

    /// <summary>
    /// Index of the destination for <paramref name="keyHash"/>; <paramref name="available"/> (empty:
    /// all) says which may be picked; -1 when none may.
    /// </summary>
    public static int Pick(MaglevTable table, ulong keyHash, ReadOnlySpan<ulong> destinationHashes, ReadOnlySpan<bool> available)
    {
        var home = table.Lookup(keyHash);
        if (home < 0 || available.IsEmpty || available[home])
        {
            return home;
        }

        return KeyedAffinity.Pick(keyHash, destinationHashes, available);
    }
}
