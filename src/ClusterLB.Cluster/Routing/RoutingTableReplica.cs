using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Routing;

/// <summary>Receives every routing table this node should run. Implemented by the proxy front end.</summary>
public interface IRoutingTableConsumer
{
    /// <summary>Runs <paramref name="table"/> from now on. Called from an actor: must not block.</summary>
    void Apply(RoutingTable table);
}

/// <summary>
/// One per node: follows the replicated routing table and hands each newer version to the node's
/// front end. Only ever moves forward, so a late, older gossip round cannot roll a node back.
/// </summary>
public sealed class RoutingTableReplica : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IRoutingTableConsumer _consumer;
    private long _appliedVersion = -1;

    /// <summary>Creates the replica; see <see cref="Props"/>.</summary>
    public RoutingTableReplica(IRoutingTableConsumer consumer)
    {
        _consumer = consumer;
        Receive<Changed>(changed => changed.Key.Equals(RoutingTableReplication.Key), changed =>
            Offer(changed.Get(RoutingTableReplication.Key).Value));
    }

    /// <summary>Props of a replica feeding <paramref name="consumer"/>.</summary>
    public static Props Props(IRoutingTableConsumer consumer) => Akka.Actor.Props.Create(() => new RoutingTableReplica(consumer));

    /// <inheritdoc />
    protected override void PreStart() =>
        DistributedData.Get(Context.System).Replicator.Tell(Dsl.Subscribe(RoutingTableReplication.Key, Self));

    private void Offer(RoutingTable table)
    {
        if (table.Version <= _appliedVersion)
        {
            return;
        }

        _consumer.Apply(table);
        _appliedVersion = table.Version;
        _log.Info("Applied routing table v{0}: {1} routes, {2} clusters", table.Version, table.Routes.Count, table.Clusters.Count);
    }
}
