using Akka.Actor;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Cluster.Hosting;

/// <summary>
/// Akka's log events into the host's <see cref="ILoggerFactory"/>, as <see cref="LoggerFactoryLogger"/> does,
/// except that a node which is not yet a cluster member logs its failed connections to seeds as
/// information: seeds start one after another, so the first ones find the others not yet listening.
/// A node that never joins still warns, once it has waited too long (the member reporter's warning).
/// </summary>
public sealed class ClusterLBAkkaLogger : LoggerFactoryLogger
{
    private static readonly string[] JoiningChatter =
    [
        "Tried to associate with unreachable remote address",
        "AssociationError",
    ];

    private readonly ILogger _logger;
    private bool _joined;

    /// <summary>Creates the logger from the actor system's <see cref="LoggerFactorySetup"/>.</summary>
    public ClusterLBAkkaLogger()
    {
        var setup = Context.System.Settings.Setup.Get<LoggerFactorySetup>();
        _logger = setup.Value.LoggerFactory.CreateLogger<ActorSystem>();
    }

    /// <inheritdoc />
    protected override void Log(LogEvent log, ActorPath path)
    {
        if (log.LogLevel() == Akka.Event.LogLevel.WarningLevel && IsJoiningChatter(log) && !HasJoined())
        {
            _logger.Log(Microsoft.Extensions.Logging.LogLevel.Information, default, log, log.Cause, static (e, _) => e.ToString());
            return;
        }

        base.Log(log, path);
    }

    private static bool IsJoiningChatter(LogEvent log) =>
        log.Message?.ToString() is { } message && JoiningChatter.Any(prefix => message.StartsWith(prefix, StringComparison.Ordinal));

    // The cluster extension is read only once something else has loaded it: loggers start before it.
    private bool HasJoined() =>
        _joined = _joined
            || (Context.System.HasExtension<Akka.Cluster.Cluster>()
                && Akka.Cluster.Cluster.Get(Context.System).SelfMember.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.Leaving or Akka.Cluster.MemberStatus.Exiting);
}
