using Akka.Actor;
using Akka.Persistence;

namespace ClusterLB.Cluster.Persistence;

/// <summary>
/// Recovers an empty persistent actor once, at start, and stops. The routing-table writer recovers
/// only after the node is Up and the singleton has started; the journal's first recovery (its
/// connection, and SQL compiled on first use) then sat on the path to readiness. Run while the node
/// joins, the writer's recovery finds all of that done. It writes nothing; a journal that is down is
/// left to the writer to report.
/// </summary>
public sealed class JournalWarmUp : ReceivePersistentActor
{
    /// <summary>Creates the warm-up; see <see cref="Props"/>.</summary>
    public JournalWarmUp() => Recover<RecoveryCompleted>(_ => Context.Stop(Self));

    /// <inheritdoc />
    public override string PersistenceId => "clusterlb-journal-warm-up";

    /// <summary>Props of the warm-up.</summary>
    public static Props Props() => Akka.Actor.Props.Create(() => new JournalWarmUp());

    /// <inheritdoc />
    protected override void OnRecoveryFailure(Exception reason, object? message = null) => Context.Stop(Self);
}
