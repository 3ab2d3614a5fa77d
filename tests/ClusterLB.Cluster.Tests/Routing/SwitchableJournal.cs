using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ClusterLB.Cluster.Tests.Routing;

/// <summary>
/// An in-memory journal that fails every read and write while <see cref="Down"/> is set, as a journal
/// whose database is unreachable does. One test class uses it at a time (the switch is static).
/// </summary>
public sealed class SwitchableJournal : MemoryJournal
{
    public const string Failure = "the test switched the journal off";

    public static volatile bool Down;

    public static Config Config { get; } = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.switchable"
        akka.persistence.journal.switchable {
          class = "ClusterLB.Cluster.Tests.Routing.SwitchableJournal, ClusterLB.Cluster.Tests"
          plugin-dispatcher = "akka.actor.default-dispatcher"
          circuit-breaker { max-failures = 1000, reset-timeout = 100ms }
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(WriterSpec.Node);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken) =>
        Down ? Task.FromException<IImmutableList<Exception>>(new InvalidOperationException(Failure)) : base.WriteMessagesAsync(messages, cancellationToken);

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max, Action<IPersistentRepresentation> recoveryCallback) =>
        Down ? Task.FromException(new InvalidOperationException(Failure)) : base.ReplayMessagesAsync(context, persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback);

    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        Down ? Task.FromException<long>(new InvalidOperationException(Failure)) : base.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
}
