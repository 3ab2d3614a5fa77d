using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Persistence;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Routing;

/// <summary>
/// The one writer of the routing table (a cluster singleton). It validates every change, persists
/// it as an event, then publishes the new table to every node through Distributed Data. Nodes never
/// ask it to route a request: they run the table they were given.
/// </summary>
public sealed class RoutingTableWriter : ReceivePersistentActor
{
    /// <summary>The journal id of the routing table; shared by every node that can host the writer.</summary>
    public const string JournalId = "clusterlb-routing-table";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly UniqueAddress _self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
    private readonly RoutingTableSeed _seed;
    private readonly IRoutingTableValidator _validator;
    private RoutingTable _table = RoutingTable.Empty;

    /// <summary>Creates the writer; see <see cref="Props"/>.</summary>
    public RoutingTableWriter(RoutingTableSeed seed, IRoutingTableValidator validator)
    {
        _seed = seed;
        _validator = validator;

        Recover<IRoutingTableEvent>(change => _table = _table.Apply(change));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<IRoutingTableCommand>(command => Change(command));
        Command<GetRoutingTable>(_ => Sender.Tell(_table));
        Command<UpdateSuccess>(_ => { });
        Command<UpdateTimeout>(_ => _log.Warning("Routing table v{0} was not confirmed by every node within {1}; gossip carries it to the rest", _table.Version, RoutingTableReplication.WriteTimeout));
    }

    /// <inheritdoc />
    public override string PersistenceId => JournalId;

    /// <summary>Props of a writer that seeds an empty journal from <paramref name="seed"/>.</summary>
    public static Props Props(RoutingTableSeed seed, IRoutingTableValidator? validator = null) =>
        Akka.Actor.Props.Create(() => new RoutingTableWriter(seed, validator ?? CoreRoutingTableValidator.Instance));

    private void OnRecovered()
    {
        // Only an empty journal is seeded: after that the journal is the truth. Whether a node's own
        // configuration differs from it is that node's business (it may ask for an import).
        if (_table.Version == 0 && (_seed.Table.Routes.Count > 0 || _seed.Table.Clusters.Count > 0))
        {
            _log.Info("Routing-table journal is empty: seeding it from {0}", _seed.Source);
            if (Change(new ImportRoutingTable(_seed.Table, _seed.Source)))
            {
                return;
            }
        }

        Publish();
    }

    /// <summary>Persists and publishes the change; false when it was refused (and answered so).</summary>
    private bool Change(IRoutingTableCommand command)
    {
        var (change, rejection) = RoutingTableDecisions.Decide(_table, command, DateTimeOffset.UtcNow, _validator);
        if (rejection is not null)
        {
            _log.Warning("Refused routing-table change {0}: {1}", command.GetType().Name, string.Join("; ", rejection.Errors));
            Sender.Tell(rejection);
            return false;
        }

        var replyTo = Sender;
        Persist(change!, persisted =>
        {
            _table = _table.Apply(persisted);
            _log.Info("Routing table is now v{0} ({1})", _table.Version, persisted.GetType().Name);
            Publish();
            if (!replyTo.IsNobody())
            {
                replyTo.Tell(new RoutingTableChangeAccepted(_table.Version));
            }
        });
        return true;
    }

    private void Publish() => _replicator.Tell(RoutingTableReplication.Publish(_self, _table));
}

/// <summary>The table a writer seeds an empty journal with.</summary>
/// <param name="Table">Routes and clusters from the hosting node's configuration.</param>
/// <param name="Source">Where they came from, for the log, e.g. "the ReverseProxy configuration section".</param>
public sealed record RoutingTableSeed(RoutingTable Table, string Source)
{
    /// <summary>The configuration key that asks a node to import its configured table over the cluster's.</summary>
    public const string ImportSettingName = "ClusterLB:ImportReverseProxyOnStart";
}
