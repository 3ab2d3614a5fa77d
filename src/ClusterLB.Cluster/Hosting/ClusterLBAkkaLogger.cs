using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting.Logging;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Cluster.Hosting;

/// <summary>
/// Akka's log events into the host's <see cref="ILoggerFactory"/>, as <see cref="LoggerFactoryLogger"/> does,
/// except for remoting's connection failures that are part of normal membership changes, which are
/// logged as information: before this node has joined (seeds start one after another, so the first
/// ones find the others not yet listening), and with a peer that is leaving or has left the cluster.
/// A peer that fails while it is a member still warns; so does a node that never joins (the member
/// reporter's warning).
/// </summary>
public sealed partial class ClusterLBAkkaLogger : LoggerFactoryLogger
{
    private static readonly string[] ConnectionChatter =
    [
        "Tried to associate with unreachable remote address",
        "AssociationError",
        "Association with remote system",
        "Disassociated",
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
        if (log.LogLevel() is Akka.Event.LogLevel.WarningLevel or Akka.Event.LogLevel.ErrorLevel
            && log.Message?.ToString() is { } message
            && ConnectionChatter.Any(prefix => message.StartsWith(prefix, StringComparison.Ordinal))
            && (!HasJoined() || PeerHasLeft(message, log.LogSource)))
        {
            _logger.Log(Microsoft.Extensions.Logging.LogLevel.Information, default, log, log.Cause, static (e, _) => e.ToString());
            return;
        }

        base.Log(log, path);
    }

    // The cluster extension is read only once something else has loaded it: loggers start before it.
    private bool HasJoined() =>
        _joined = _joined
            || (Context.System.HasExtension<Akka.Cluster.Cluster>()
                && Akka.Cluster.Cluster.Get(Context.System).SelfMember.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting);

    // The peer is named in the message, or (URL-encoded) in the endpoint writer's path.
    private bool PeerHasLeft(string message, string? source)
    {
        var match = PeerAddress().Match(message);
        if (!match.Success && source is not null)
        {
            match = PeerAddress().Match(Uri.UnescapeDataString(source));
        }

        if (!match.Success)
        {
            return false;
        }

        var peer = Address.Parse(match.Value);
        var member = Akka.Cluster.Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.Address.Equals(peer));
        return member is null || member.Status is MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Removed;
    }

    [GeneratedRegex(@"akka(\.ssl)?\.tcp://[^@\s/]+@[^\s/:\]]+:\d+")]
    private static partial Regex PeerAddress();
}
