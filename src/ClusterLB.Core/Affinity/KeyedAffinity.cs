using ClusterLB.Core.Hashing;

namespace ClusterLB.Core.Affinity;

/// <summary>
/// Key-based session affinity: a key's home is the destination that rendezvous hashing picks among
/// all configured destinations, so every node agrees with no shared state. When the home (or the
/// destination a key was moved to) is unavailable, the key moves to the best available destination
/// in the same ranking, the same one on every node, and the move is recorded as an override.
/// </summary>
public static class KeyedAffinity
{
    /// <summary>
    /// Index of the candidate with the highest score for <paramref name="keyHash"/> among those
    /// <paramref name="eligible"/> says may be picked; -1 when none may.
    /// </summary>
    public static int Pick(ulong keyHash, ReadOnlySpan<ulong> candidateHashes, ReadOnlySpan<bool> eligible)
    {
        var best = -1;
        var bestScore = 0UL;
        for (var i = 0; i < candidateHashes.Length; i++)
        {
            if (!eligible.IsEmpty && !eligible[i])
            {
                continue;
            }

            var score = StableHash.Combine(keyHash, candidateHashes[i]);
            if (best < 0 || score > bestScore)
            {
                best = i;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>
    /// Where a key goes. <paramref name="overrideIndex"/> is the destination a recorded override moved
    /// it to (-1 for none). Returns the chosen index (-1 when nothing is available) and what to do with
    /// the override table.
    /// </summary>
    public static AffinityDecision Decide(ulong keyHash, ReadOnlySpan<ulong> candidateHashes, ReadOnlySpan<bool> available, int overrideIndex) =>
        Decide(keyHash, candidateHashes, available, overrideIndex, Pick(keyHash, candidateHashes, default));

    /// <summary>
    /// As <see cref="Decide(ulong, ReadOnlySpan{ulong}, ReadOnlySpan{bool}, int)"/>, with the key's
    /// <paramref name="home"/> found by another hashing (a Maglev table); a move still goes to the
    /// best available destination in the rendezvous ranking, which only the first request of a
    /// moved key pays for: later ones find the override.
    /// </summary>
    public static AffinityDecision Decide(ulong keyHash, ReadOnlySpan<ulong> candidateHashes, ReadOnlySpan<bool> available, int overrideIndex, int home)
    {
        if (overrideIndex >= 0 && available[overrideIndex])
        {
            return new AffinityDecision(overrideIndex, OverrideChange.None);
        }

        if (home >= 0 && available[home])
        {
            // Back home only once the override is gone (or was never there); drop a stale one.
            return new AffinityDecision(home, overrideIndex >= 0 ? OverrideChange.Remove : OverrideChange.None);
        }

        var next = Pick(keyHash, candidateHashes, available);
        return next < 0
            ? new AffinityDecision(-1, OverrideChange.None)
            : new AffinityDecision(next, OverrideChange.Record);
    }
}

/// <summary>The destination a key goes to, and what changes in the override table.</summary>
public readonly record struct AffinityDecision(int Index, OverrideChange Change);

/// <summary>What a decision does to the override table.</summary>
public enum OverrideChange
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Record that the key moved to the chosen destination.</summary>
    Record,

    /// <summary>Remove the key's override: it is back at its home.</summary>
    Remove,
}

/// <summary>A replicated exception to hashing: the key moved off its home to <paramref name="DestinationId"/>.</summary>
/// <param name="ClusterId">The cluster of the destination.</param>
/// <param name="DestinationId">Where the key goes now.</param>
/// <param name="ExpiresAt">When the override is dropped (TTL after it was recorded or last refreshed).</param>
/// <param name="Returned">
/// Whether the session came back after the override was recorded: such overrides are protected,
/// and only evicted for other returned ones, never for keys seen once.
/// </param>
public readonly record struct AffinityOverride(string ClusterId, string DestinationId, DateTimeOffset ExpiresAt, bool Returned = false);
