using Akka.DistributedData;

namespace ClusterLB.Cluster.Health;

/// <summary>Where verdicts live in Distributed Data: one map of destination key to verdict.</summary>
public static class HealthReplication
{
    /// <summary>The Distributed Data key of the verdicts.</summary>
    public static LWWDictionaryKey<string, ReplicatedVerdict> Key { get; } = new("clusterlb-health");

    /// <summary>How long a verdict write waits for the other nodes.</summary>
    public static TimeSpan WriteTimeout { get; } = TimeSpan.FromSeconds(2);
}

/// <summary>Receives the cluster's verdicts on this node. Implemented by the proxy front end.</summary>
public interface IHealthVerdictConsumer
{
    /// <summary>Applies <paramref name="verdicts"/> (by destination key) from now on. Must not block.</summary>
    void Apply(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts);
}
