using System.Reflection;
using Akka.Cluster;
using Akka.DistributedData;
using ClusterLB.Cluster.Serialization;

namespace ClusterLB.Cluster.Persistence;

/// <summary>Whether the routing-table writer can use its journal.</summary>
public enum JournalAvailability
{
    /// <summary>The writer is reading the table from the journal for the first time since it started.</summary>
    Recovering,

    /// <summary>The writer recovered the table and persists changes.</summary>
    Available,

    /// <summary>The last recovery or persist failed; the writer retries with backoff.</summary>
    Unavailable,
}

/// <summary>
/// The journal as the routing-table writer last saw it, replicated to every node so that any node's
/// status can show it without asking the writer. Transitions are pure.
/// </summary>
/// <param name="Availability">Recovering, available or unavailable.</param>
/// <param name="Error">The last failure, when unavailable (no password: driver messages do not carry one).</param>
/// <param name="Since">When the journal entered this availability.</param>
public sealed record JournalState(JournalAvailability Availability, string? Error, DateTimeOffset Since) : IClusterLBMessage
{
    /// <summary>A writer that has just started and not yet read the journal.</summary>
    public static JournalState Recovering(DateTimeOffset now) => new(JournalAvailability.Recovering, null, now);

    /// <summary>The writer read the journal: available from now (or since it already was).</summary>
    public JournalState Recovered(DateTimeOffset now) =>
        Availability == JournalAvailability.Available ? this : new(JournalAvailability.Available, null, now);

    /// <summary>A recovery or persist failed with <paramref name="error"/>; an outage keeps the time it started.</summary>
    public JournalState Failed(string error, DateTimeOffset now) =>
        new(JournalAvailability.Unavailable, error, Availability == JournalAvailability.Unavailable ? Since : now);

    /// <summary>
    /// The messages of <paramref name="failure"/> and its causes, outermost first and without the
    /// wrappers' own words, e.g. "Failed to connect to 127.0.0.1:5432: Connection refused".
    /// </summary>
    public static string Describe(Exception failure)
    {
        var messages = new List<string>();
        for (var cause = failure; cause is not null; cause = cause.InnerException)
        {
            if (cause is AggregateException or TargetInvocationException)
            {
                continue;
            }

            var message = cause.Message.Trim().TrimEnd('.');
            if (message.Length > 0 && !messages.Any(seen => seen.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return messages.Count > 0 ? string.Join(": ", messages) : failure.GetType().Name;
    }
}

/// <summary>Where the journal state lives in Distributed Data: one last-writer-wins register, written by the writer's supervisor.</summary>
public static class JournalStateReplication
{
    /// <summary>The Distributed Data key of the journal state.</summary>
    public static LWWRegisterKey<JournalState> Key { get; } = new("clusterlb-journal");

    /// <summary>The update that publishes <paramref name="state"/>; gossip carries it to the other nodes.</summary>
    public static Update Publish(UniqueAddress self, JournalState state) =>
        Dsl.Update(Key, new LWWRegister<JournalState>(self, state), WriteLocal.Instance, register => register.WithValue(self, state));
}
