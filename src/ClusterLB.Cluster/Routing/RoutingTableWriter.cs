using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Routing;

/// <summary>
/// The one writer of the routing table (a cluster singleton, under <see cref="RoutingTableWriterSupervisor"/>).
/// It validates every change, persists it as an event, then publishes the new table to every node
/// through Distributed Data. Nodes never ask it to route a request: they run the table they were given.
/// A journal failure stops it after telling its supervisor why; the supervisor restarts it with backoff.
/// </summary>
public sealed class RoutingTableWriter : ReceivePersistentActor
{
    /// <summary>The journal id of the routing table; shared by every node that can host the writer.</summary>
    public const string JournalId = "clusterlb-routing-table";

    /// <summary>Who made the version seeded from a node's configuration, in the history.</summary>
    public const string ConfigurationAuthor = "configuration";

    /// <summary>Events between two snapshots unless configured otherwise.</summary>
    public const int DefaultSnapshotEvery = 100;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly UniqueAddress _self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
    private readonly RoutingTableSeed _seed;
    private readonly IRoutingTableValidator _validator;
    private readonly int _snapshotEvery;
    private readonly IActorRef _supervisor;
    private readonly TimeProvider _time;
    private RoutingTable _table = RoutingTable.Empty;

    // Persist (not PersistAsync) holds later commands back until the handler ran: at most one is in flight.
    private IActorRef _persisting = ActorRefs.Nobody;
    private IMaterializer? _materializer;

    /// <summary>Creates the writer; see <see cref="Props"/>.</summary>
    public RoutingTableWriter(RoutingTableSeed seed, IRoutingTableValidator validator, int snapshotEvery, IActorRef supervisor, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(snapshotEvery, 1);
        _seed = seed;
        _validator = validator;
        _snapshotEvery = snapshotEvery;
        _supervisor = supervisor;
        _time = time;

        Recover<SnapshotOffer>(offer => _table = (RoutingTable)offer.Snapshot);
        Recover<IRoutingTableEvent>(change => _table = _table.Apply(change));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<IRoutingTableCommand>(command => Change(command));
        Command<GetRoutingTable>(_ => Sender.Tell(_table));
        Command<GetRoutingTableHistory>(ReadHistory);
        Command<GetRoutingTableAt>(ReadTableAt);
        Command<SaveSnapshotSuccess>(saved => _log.Info("Saved a snapshot of routing table v{0} at event {1}", _table.Version, saved.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(failed => _log.Warning("Could not save a snapshot at event {0} (recovery reads more events until the next one): {1}", failed.Metadata.SequenceNr, JournalState.Describe(failed.Cause)));
        Command<UpdateSuccess>(_ => { });
        Command<UpdateTimeout>(_ => _log.Warning("Routing table v{0} was not confirmed by every node within {1}; gossip carries it to the rest", _table.Version, RoutingTableReplication.WriteTimeout));
    }

    /// <inheritdoc />
    public override string PersistenceId => JournalId;

    /// <summary>
    /// Props of a writer that seeds an empty journal from <paramref name="seed"/>, snapshots the table every
    /// <paramref name="snapshotEvery"/> events and reports its journal's state to <paramref name="supervisor"/>.
    /// </summary>
    public static Props Props(
        RoutingTableSeed seed,
        IRoutingTableValidator? validator = null,
        int snapshotEvery = DefaultSnapshotEvery,
        IActorRef? supervisor = null,
        TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new RoutingTableWriter(
            seed, validator ?? CoreRoutingTableValidator.Instance, snapshotEvery, supervisor ?? ActorRefs.Nobody, time ?? TimeProvider.System));

    /// <inheritdoc />
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        var cause = JournalState.Describe(reason);
        _log.Error("Could not recover the routing table from the journal (the writer stops and is retried with backoff): {0}", cause);
        _supervisor.Tell(new JournalFailed(cause, NoAnswer: reason is RecoveryTimedOutException));
    }

    /// <inheritdoc />
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        var reason = JournalState.Describe(cause);
        _log.Error("Could not persist {0} as event {1} (the writer stops and is retried with backoff): {2}", @event.GetType().Name, sequenceNr, reason);
        Answer(_persisting, new RoutingTableChangeRejected(RejectionReason.JournalUnavailable, [new ValidationError("journal", reason)]));
        _supervisor.Tell(new JournalFailed(reason));
    }

    /// <inheritdoc />
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        var reason = JournalState.Describe(cause);
        _log.Error("The journal refused {0} as event {1}; nothing was persisted: {2}", @event.GetType().Name, sequenceNr, reason);
        Answer(_persisting, new RoutingTableChangeRejected(RejectionReason.Invalid, [new ValidationError("journal", $"refused the change: {reason}")]));
        _persisting = ActorRefs.Nobody;
    }

    private void OnRecovered()
    {
        _supervisor.Tell(WriterRecovered.Instance);

        // Only an empty journal is seeded: after that the journal is the truth. Whether a node's own
        // configuration differs from it is that node's business (it may ask for an import).
        if (_table.Version == 0 && (_seed.Table.Routes.Count > 0 || _seed.Table.Clusters.Count > 0))
        {
            _log.Info("Routing-table journal is empty: seeding it from {0}", _seed.Source);
            if (Change(new ImportRoutingTable(_seed.Table, _seed.Source) { By = ConfigurationAuthor }))
            {
                return;
            }
        }

        Publish();
    }

    // The history is read from the journal by sequence-number range (version n is event n): a page reads
    // only its own rows from the (persistence_id, sequence_number) index, whatever the length of the history,
    // and the writer keeps nothing but the current table in memory. The reads run beside the actor (piped
    // back), so changes are not held up by a history query.
    private ICurrentEventsByPersistenceIdQuery ReadJournal() =>
        PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);

    private IMaterializer Materializer => _materializer ??= Context.Materializer();

    private void ReadHistory(GetRoutingTableHistory query)
    {
        var version = _table.Version;
        var to = Math.Min(version, query.Newest ?? version);
        var from = Math.Max(1, to - query.Limit + 1);
        if (from > to)
        {
            Sender.Tell(new RoutingTableHistory([], version));
            return;
        }

        ReadJournal().CurrentEventsByPersistenceId(PersistenceId, from, to)
            .Select(e => HistoryEntry.Of(e.SequenceNr, (IRoutingTableEvent)e.Event))
            .RunWith(Sink.Seq<HistoryEntry>(), Materializer)
            .PipeTo(Sender, success: entries => new RoutingTableHistory(entries, version));
    }

    // A past table is rebuilt by replaying its events from the start: snapshots hold only the latest table,
    // and 10,000 events replay in well under a second.
    private void ReadTableAt(GetRoutingTableAt query)
    {
        var version = _table.Version;
        if (query.Version < 1 || query.Version > version)
        {
            Sender.Tell(new RoutingTableAtVersion(null, version));
            return;
        }

        if (query.Version == version)
        {
            Sender.Tell(new RoutingTableAtVersion(_table, version));
            return;
        }

        ReadJournal().CurrentEventsByPersistenceId(PersistenceId, 1, query.Version)
            .RunAggregate(RoutingTable.Empty, (table, e) => table.Apply((IRoutingTableEvent)e.Event), Materializer)
            .PipeTo(Sender, success: table => new RoutingTableAtVersion(table, version));
    }

    /// <summary>Persists and publishes the change; false when it was refused (and answered so).</summary>
    private bool Change(IRoutingTableCommand command)
    {
        var (change, rejection) = RoutingTableDecisions.Decide(_table, command, _time.GetUtcNow(), _validator);
        if (rejection is null && TooLargeToReplicate(_table.Apply(change!)) is { } tooLarge)
        {
            rejection = tooLarge;
        }

        if (rejection is not null)
        {
            _log.Warning("Refused routing-table change {0}: {1}", command.GetType().Name, string.Join("; ", rejection.Errors));
            Sender.Tell(rejection with { Version = _table.Version });
            return false;
        }

        _persisting = Sender;
        Persist(change!, persisted =>
        {
            _table = _table.Apply(persisted);
            _log.Info("Routing table is now v{0} ({1})", _table.Version, persisted.GetType().Name);
            Publish();
            Answer(_persisting, new RoutingTableChangeAccepted(_table.Version));
            _persisting = ActorRefs.Nobody;
            if (LastSequenceNr % _snapshotEvery == 0)
            {
                // Recovery then reads the snapshot and the events after it. Events are never deleted:
                // they are the table's history.
                SaveSnapshot(_table);
            }
        });
        return true;
    }

    /// <summary>
    /// A table every node must receive in one remoting frame: one that would not fit is refused rather
    /// than acknowledged here and dropped by the other nodes. Half the frame is left for the rest of a
    /// gossip message.
    /// </summary>
    private RoutingTableChangeRejected? TooLargeToReplicate(RoutingTable table)
    {
        var limit = ReplicationLimit(Context.System);
        var size = Context.System.Serialization.FindSerializerFor(table).ToBinary(table).Length;
        return size <= limit
            ? null
            : new RoutingTableChangeRejected(RejectionReason.Invalid, [new ValidationError(
                "table", $"the routing table would be {size} bytes compressed; at most {limit} bytes replicate to every node (half of akka.remote.dot-netty.tcp.maximum-frame-size). Nothing was changed")]);
    }

    /// <summary>The largest compressed routing table that replicates: half the remoting frame.</summary>
    public static long ReplicationLimit(ActorSystem system) =>
        system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", 128_000) / 2 ?? 64_000;

    private static void Answer(IActorRef replyTo, object answer)
    {
        if (!replyTo.IsNobody())
        {
            replyTo.Tell(answer);
        }
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
