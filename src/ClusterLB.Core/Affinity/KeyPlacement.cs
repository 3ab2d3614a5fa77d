using ClusterLB.Core.Hashing;
using ClusterLB.Core.LoadBalancing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Affinity;

/// <summary>
/// Where a request key goes in a cluster that routes by key (keyed affinity, or ConsistentHash): the
/// key's home among the configured destinations (ordinal by id), as the node's policies find it, and
/// where it goes when the home is out. The one place both the admin API and the CLI ask.
/// </summary>
/// <param name="Ids">The cluster's destination ids, ordinal.</param>
/// <param name="Hashes">Their hashes, in the same order.</param>
/// <param name="KeyHash">The key's hash.</param>
/// <param name="Home">Index of the key's home; -1 without destinations.</param>
/// <param name="SessionsStayWhileDraining">Keyed affinity keeps a draining destination's sessions; a balancer sends it nothing new.</param>
/// <param name="Hashing">How the key is hashed, in words.</param>
public sealed record KeyPlacement(string[] Ids, ulong[] Hashes, ulong KeyHash, int Home, bool SessionsStayWhileDraining, string Hashing)
{
    /// <summary>The placement of <paramref name="key"/> in <paramref name="cluster"/>; null when the cluster does not route by key.</summary>
    public static KeyPlacement? Of(ClusterDefinition cluster, string key)
    {
        var ids = cluster.Destinations.Keys.Order(StringComparer.Ordinal).ToArray();
        var hashes = ids.Select(id => StableHash.Of(id)).ToArray();
        var keyHash = StableHash.Of(key);
        if (cluster.SessionAffinity is { Enabled: not false, Policy: { } policy } && policy.StartsWith("Keyed", StringComparison.OrdinalIgnoreCase))
        {
            var maglev = string.Equals(cluster.Metadata?.GetValueOrDefault(KeyHashingAlgorithms.MetadataKey), KeyHashingAlgorithms.Maglev, StringComparison.OrdinalIgnoreCase);
            var home = maglev ? MaglevTable.Build(hashes).Lookup(keyHash) : KeyedAffinity.Pick(keyHash, hashes, default);
            return new KeyPlacement(ids, hashes, keyHash, home, SessionsStayWhileDraining: true, $"{policy} affinity, {(maglev ? KeyHashingAlgorithms.Maglev : KeyHashingAlgorithms.Rendezvous)}");
        }

        if (string.Equals(cluster.LoadBalancingPolicy, LoadBalancingPolicyNames.ConsistentHash, StringComparison.OrdinalIgnoreCase))
        {
            return new KeyPlacement(ids, hashes, keyHash, ConsistentHashing.BuildTable(hashes).Lookup(keyHash), SessionsStayWhileDraining: false, $"{LoadBalancingPolicyNames.ConsistentHash}, Maglev");
        }

        return null;
    }

    /// <summary>Whether the key's moves are recorded as overrides (keyed affinity does; ConsistentHash does not).</summary>
    public bool HonoursOverrides => SessionsStayWhileDraining;

    /// <summary>Whether a destination that is <paramref name="unhealthy"/> or not, in <paramref name="adminState"/>, can take this key.</summary>
    public bool IsAvailable(bool unhealthy, DestinationAdminState adminState) =>
        !unhealthy
        && adminState != DestinationAdminState.Maintenance
        && (SessionsStayWhileDraining || adminState != DestinationAdminState.Draining);

    /// <summary>
    /// Where the key goes given which destinations are <paramref name="available"/> and the index of the
    /// destination an override moved it to (-1 for none), as the keyed policy decides.
    /// </summary>
    public AffinityDecision Decide(ReadOnlySpan<bool> available, int overrideIndex = -1) =>
        KeyedAffinity.Decide(KeyHash, Hashes, available, overrideIndex, Home);
}
