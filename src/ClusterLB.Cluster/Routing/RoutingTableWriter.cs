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
    private RoutingTable _table = RoutingTable.Empty;

    /// <summary>Creates the writer; see <see cref="Props"/>.</summary>
    public RoutingTableWriter(RoutingTableSeed seed)
    {
        _seed = seed;

        Recover<IRoutingTableEvent>(change => _table = _table.Apply(change));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<ImportRoutingTable>(import => Change(RoutingTableImported.Of(import.Table, import.Source, DateTimeOffset.UtcNow), import.Table));
        Command<GetRoutingTable>(_ => Sender.Tell(_table));
        Command<UpdateSuccess>(_ => { });
        Command<UpdateTimeout>(_ => _log.Warning("Routing table v{0} reached fewer than a majority of nodes within {1}; gossip will carry it on", _table.Version, RoutingTableReplication.WriteTimeout));
    }

    /// <inheritdoc />
    public override string PersistenceId => JournalId;

    /// <summary>Props of a writer that seeds an empty journal from <paramref name="seed"/>.</summary>
    public static Props Props(RoutingTableSeed seed) => Akka.Actor.Props.Create(() => new RoutingTableWriter(seed));

    private void OnRecovered()
    {
        if (_table.Version == 0)
        {
            if (_seed.Table.Routes.Count > 0 || _seed.Table.Clusters.Count > 0)
            {
                _log.Info("Routing-table journal is empty: seeding it from {0}", _seed.Source);
                Change(RoutingTableImported.Of(_seed.Table, _seed.Source, DateTimeOffset.UtcNow), _seed.Table);
                return;
            }
        }
        else if (!_seed.Table.HasSameContentAs(_table))
        {
            if (_seed.ImportOnStart)
            {
                _log.Info("Importing {0} over persisted routing table v{1}, as asked", _seed.Source, _table.Version);
                Change(RoutingTableImported.Of(_seed.Table, _seed.Source, DateTimeOffset.UtcNow), _seed.Table);
                return;
            }

            _log.Warning(
                "{0} differs from the persisted routing table v{1}; the persisted table is used. To import it, start once with {2}=true",
                _seed.Source, _table.Version, RoutingTableSeed.ImportSettingName);
        }

        Publish();
    }

    private void Change(IRoutingTableEvent change, RoutingTable proposed)
    {
        var errors = RoutingTableValidator.Validate(proposed);
        if (errors.Count > 0)
        {
            Sender.Tell(new RoutingTableChangeRejected(errors));
            return;
        }

        var replyTo = Sender;
        Persist(change, persisted =>
        {
            _table = _table.Apply(persisted);
            _log.Info("Routing table is now v{0} ({1})", _table.Version, persisted.GetType().Name);
            Publish();
            if (!replyTo.IsNobody())
            {
                replyTo.Tell(new RoutingTableChangeAccepted(_table.Version));
            }
        });
    }

    private void Publish() => _replicator.Tell(RoutingTableReplication.Publish(_self, _table));
}

/// <summary>The table a writer seeds an empty journal with, and whether it should import it over a persisted one.</summary>
/// <param name="Table">Routes and clusters from configuration.</param>
/// <param name="Source">Where they came from, for the log, e.g. "the ReverseProxy configuration section".</param>
/// <param name="ImportOnStart">Replace a persisted table that differs, instead of only saying so.</param>
public sealed record RoutingTableSeed(RoutingTable Table, string Source, bool ImportOnStart)
{
    /// <summary>The configuration key that asks to import the configured table over the persisted one.</summary>
    public const string ImportSettingName = "ClusterLB:ImportReverseProxyOnStart";
}
