namespace ClusterLB.Core.Hashing;

/// <summary>
/// Rendezvous (highest random weight) hashing: a key goes to the candidate with the highest
/// score of hash(key, candidate). Every node with the same candidates picks the same one, and
/// removing a candidate moves only the keys that were on it.
/// </summary>
public static class Rendezvous
{
    /// <summary>The candidate that owns <paramref name="key"/>, or null when there is none.</summary>
    public static string? Owner(string key, IEnumerable<string> candidates)
    {
        var keyHash = StableHash.Of(key);
        string? best = null;
        var bestScore = 0UL;
        foreach (var candidate in candidates)
        {
            var score = Score(keyHash, candidate);
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(candidate, best) < 0))
            {
                best = candidate;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>Score of <paramref name="candidate"/> for a key whose hash is <paramref name="keyHash"/>.</summary>
    public static ulong Score(ulong keyHash, string candidate) => StableHash.Combine(keyHash, StableHash.Of(candidate));
}
