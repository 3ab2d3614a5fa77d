using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Pattern;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Routing;

/// <summary>
/// The routing-table singleton: runs the <see cref="RoutingTableWriter"/> under a backoff supervisor,
/// so that a journal failure stops the writer only until the next attempt, and answers for it while
/// it is down: a change is refused at once with the journal's error instead of waiting for a writer
/// that is not there. It publishes the journal's state to every node through Distributed Data.
/// </summary>
public sealed class RoutingTableWriterSupervisor : ReceiveActor, IWithUnboundedStash, IWithTimers
{
    /// <summary>How long changes wait for the writer's first recovery before they are refused.</summary>
    public static readonly TimeSpan RecoveryPatience = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a first recovery may take before it is logged as a warning. A cold start on a busy
    /// host (the SQL plugin's first queries compile) can pass the patience without anything being wrong.
    /// </summary>
    public static readonly TimeSpan RecoveryWarningAfter = TimeSpan.FromSeconds(10);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly UniqueAddress _self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
    private readonly TimeProvider _time;
    private readonly IActorRef _writer;
    private readonly TimeSpan _patience;
    private JournalState _state;

    // The journal plugins log why they cannot reach the database (e.g. while creating their tables at
    // a cold start) and hold requests meanwhile: the writer then only sees a timeout.
    private string? _pluginError;
    private bool _hasRecovered;

    /// <summary>Creates the supervisor; see <see cref="Props"/>.</summary>
    public RoutingTableWriterSupervisor(Func<IActorRef, Props> writer, WriterBackoff backoff, TimeSpan patience, TimeProvider time)
    {
        _time = time;
        _patience = patience;
        _state = JournalState.Recovering(time.GetUtcNow());
        // Reset by hand once the writer has recovered: an attempt that hangs on a connection
        // timeout lives long, and must not count as a success.
        _writer = Context.ActorOf(
            BackoffSupervisor.Props(
                Backoff.OnStop(writer(Self), "writer", backoff.Min, backoff.Max, backoff.RandomFactor, maxNrOfRetries: -1).WithManualReset()),
            "backoff");

        Receive<WriterRecovered>(_ => OnRecovered());
        Receive<JournalFailed>(failed => OnFailed(failed.NoAnswer && _pluginError is { } known ? known : failed.Cause));
        Receive<RecoveryIsSlow>(_ => OnRecoveryIsSlow());
        Receive<RecoveryIsStuck>(_ => OnRecoveryIsStuck());
        Receive<Error>(error => error.LogSource.Contains(PluginPath, StringComparison.Ordinal), OnPluginError);
        Receive<GetJournalState>(_ => Sender.Tell(_state));
        Receive<IRoutingTableCommand>(command => Offer(command));
        Receive<IRoutingTableQuery>(query => Offer(query));
        Receive<UpdateSuccess>(_ => { });
    }

    private const string PluginPath = "/system/akka.persistence.";

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// Props of the singleton that runs <paramref name="writer"/> (given the supervisor to report to) with
    /// <paramref name="backoff"/>; changes wait up to <paramref name="patience"/> for the first recovery.
    /// </summary>
    public static Props Props(Func<IActorRef, Props> writer, WriterBackoff? backoff = null, TimeSpan? patience = null, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new RoutingTableWriterSupervisor(writer, backoff ?? WriterBackoff.Default, patience ?? RecoveryPatience, time ?? TimeProvider.System));

    /// <inheritdoc />
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(Error));
        Timers.StartSingleTimer(nameof(RecoveryIsSlow), RecoveryIsSlow.Instance, _patience);
        Timers.StartSingleTimer(nameof(RecoveryIsStuck), RecoveryIsStuck.Instance, _patience > RecoveryWarningAfter ? _patience : RecoveryWarningAfter);
        Publish();
    }

    /// <inheritdoc />
    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Offer(object message)
    {
        switch (_state.Availability)
        {
            case JournalAvailability.Available:
                _writer.Forward(message);
                break;
            case JournalAvailability.Recovering:
                // Recovery usually takes a moment: hold the message until it succeeds or fails.
                Stash.Stash();
                break;
            case JournalAvailability.Unavailable when message is IRoutingTableCommand:
                Sender.Tell(new RoutingTableChangeRejected(RejectionReason.JournalUnavailable, [new ValidationError("journal", _state.Error ?? "unavailable")]));
                break;
            default:
                Sender.Tell(new Status.Failure(new InvalidOperationException($"journal unavailable: {_state.Error}")));
                break;
        }
    }

    private void OnRecovered()
    {
        if (_state.Availability == JournalAvailability.Unavailable)
        {
            _log.Info("The routing-table journal is available again after {0:0.0}s: the writer recovered", (_time.GetUtcNow() - _state.Since).TotalSeconds);
        }

        _hasRecovered = true;
        _writer.Tell(BackoffSupervisor.Reset.Instance);
        Enter(_state.Recovered(_time.GetUtcNow()));
    }

    private void OnFailed(string cause, bool warn = true)
    {
        if (_state.Availability != JournalAvailability.Unavailable)
        {
            if (warn)
            {
                _log.Warning("The routing-table journal is unavailable; changes are refused until the writer recovers: {0}", cause);
            }
            else
            {
                _log.Info("The routing-table journal has not answered yet; changes are refused until the writer recovers: {0}", cause);
            }
        }

        Enter(_state.Failed(cause, _time.GetUtcNow()));
    }

    // A known plugin error is worth a warning at once; mere slowness only once it lasts (RecoveryIsStuck).
    private void OnRecoveryIsSlow()
    {
        if (_state.Availability == JournalAvailability.Recovering)
        {
            OnFailed(_pluginError ?? $"no answer from the journal within {_patience.TotalSeconds:0.#}s; still recovering the routing table", warn: _pluginError is not null);
        }
    }

    private void OnRecoveryIsStuck()
    {
        if (_state.Availability == JournalAvailability.Unavailable && !_hasRecovered)
        {
            _log.Warning("The routing-table journal is unavailable; changes are refused until the writer recovers: {0}", _state.Error ?? "no answer");
        }
    }

    private void OnPluginError(Error error)
    {
        _pluginError = error.Cause is { } cause ? JournalState.Describe(cause) : error.Message?.ToString();
        if (_state.Availability == JournalAvailability.Unavailable && _pluginError is { } current)
        {
            Enter(_state.Failed(current, _time.GetUtcNow()));
        }
    }

    private void Enter(JournalState state)
    {
        var changed = state != _state;
        _state = state;
        if (changed)
        {
            Publish();
        }

        // Whatever waited for the first recovery is now forwarded or refused.
        if (state.Availability != JournalAvailability.Recovering)
        {
            Stash.UnstashAll();
        }
    }

    private void Publish() => _replicator.Tell(JournalStateReplication.Publish(_self, _state));
}

/// <summary>The writer has not recovered within the supervisor's patience.</summary>
internal sealed record RecoveryIsSlow
{
    public static RecoveryIsSlow Instance { get; } = new();
}

/// <summary>The writer has still not made its first recovery, long after the supervisor's patience.</summary>
internal sealed record RecoveryIsStuck
{
    public static RecoveryIsStuck Instance { get; } = new();
}

/// <summary>How long the writer waits before each new attempt after a journal failure: from <paramref name="Min"/>, doubling up to <paramref name="Max"/>, with jitter.</summary>
/// <param name="Min">The first delay.</param>
/// <param name="Max">The longest delay.</param>
/// <param name="RandomFactor">Share of each delay added at random, so that restarted writers do not hit the database together.</param>
public sealed record WriterBackoff(TimeSpan Min, TimeSpan Max, double RandomFactor)
{
    /// <summary>0.5 s doubling up to 10 s, plus up to 20%: the writer is back within about 12 s of the journal.</summary>
    public static WriterBackoff Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10), 0.2);
}
