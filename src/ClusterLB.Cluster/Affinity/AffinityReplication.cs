using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData;
using ClusterLB.Cluster.Hosting;

namespace ClusterLB.Cluster.Affinity;

/// <summary>
/// The override table has a Distributed Data replicator of its own, tuned apart from the one that
/// carries the routing table, health verdicts and member reports. Under churn nearly every shard
/// differs somewhere for a moment (its delta is on its way), and gossip answers each differing
/// digest with the whole shard: with the shared replicator's settings (every 500 ms, up to 200
/// keys compared) that re-sent most of a million overrides every second, and the nodes' heartbeats
/// were late. Here deltas carry the changes and full-state gossip is the slow backstop; a node that
/// joins pulls every shard itself (<see cref="AffinityReplicator"/>) instead of waiting for gossip.
/// </summary>
public static class AffinityReplication
{
    /// <summary>Name of the replicator actor, the same on every node.</summary>
    public const string ReplicatorName = "affinity-ddata";

    /// <summary>Starts this node's override-table replicator.</summary>
    public static IActorRef StartReplicator(ActorSystem system)
    {
        // Akka.NET keeps the Replicator class internal (Replicator.Props is not reachable from
        // outside), yet a second replicator with its own settings is a supported deployment (Cluster
        // Sharding starts its own); Props.Create by type builds what Replicator.Props would.
        var replicator = typeof(DistributedData).Assembly.GetType("Akka.DistributedData.Replicator", throwOnError: true)!;
        var settings = Settings(system.Settings.Config);
        return system.ActorOf(Props.Create(replicator, settings).WithDeploy(Deploy.Local).WithDispatcher(settings.Dispatcher), ReplicatorName);
    }

    /// <summary>The replicator's settings: the node's Distributed Data settings with the gossip slowed down.</summary>
    public static ReplicatorSettings Settings(Config config) =>
        ReplicatorSettings.Create(ConfigurationFactory.ParseString($$"""
            role = "{{ClusterLBAkka.BalancerRole}}"
            # Compares 10 chunks of 2 digests with one peer a second and answers each chunk with at
            # most 2 whole shards: a full pass over 512 shards takes ~26 s. Deltas go out every
            # gossip-interval / 5 (at least 200 ms), so a slower gossip would delay them too.
            gossip-interval = 1s
            max-delta-elements = 2
            # A shard's delta is bounded by the shard, so no delta is too large to send as one
            # (above this size Distributed Data would drop it and fall back to full-state gossip).
            delta-crdt.max-delta-size = 1000000
            # Overrides are not kept on disk, whatever the node's own replicator does.
            durable.keys = []
            """).WithFallback(config.WithFallback(DistributedData.DefaultConfig()).GetConfig("akka.cluster.distributed-data")));
}
