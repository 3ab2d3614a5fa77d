using System.Globalization;
using System.Text.Json.Serialization;

namespace ClusterLB.Core.Routing;

/// <summary>What an operator has said about a destination, apart from its definition.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DestinationAdminState>))]
public enum DestinationAdminState
{
    /// <summary>Takes traffic as its health and weight say (the state of a destination nobody touched).</summary>
    Active,

    /// <summary>
    /// Takes no new requests and no new sessions; requests in flight finish, and sessions pinned to it
    /// stay until the cluster's drain timeout, then move.
    /// </summary>
    Draining,

    /// <summary>Out at once: no request, no session.</summary>
    Maintenance,
}

/// <summary>
/// The operator's commands on a destination (drain, maintenance, enable, weight) are kept in the
/// destination's metadata, so they are part of the replicated, persisted table, travel with an
/// export, and every node reads the same state and the same start time.
/// </summary>
public static class DestinationAdmin
{
    /// <summary>Destination metadata: the admin state (<see cref="DestinationAdminState"/>); Active when absent.</summary>
    public const string StateKey = "ClusterLB.AdminState";

    /// <summary>Destination metadata: when the admin state was last set (ISO 8601, UTC), the same on every node.</summary>
    public const string SinceKey = "ClusterLB.AdminStateSince";

    /// <summary>Destination metadata: the destination's share relative to the others (a positive number; 1 when absent).</summary>
    public const string WeightKey = LoadBalancing.LoadBalancingMetadata.Weight;

    /// <summary>Cluster metadata: how long sessions pinned to a draining destination stay before they move.</summary>
    public const string DrainTimeoutKey = "ClusterLB.DrainTimeout";

    /// <summary>The drain timeout when the cluster sets none.</summary>
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest drain timeout a cluster may set.</summary>
    public static readonly TimeSpan MaxDrainTimeout = TimeSpan.FromHours(24);

    /// <summary>The admin state in <paramref name="metadata"/>; Active when absent or unreadable.</summary>
    public static DestinationAdminState StateOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.GetValueOrDefault(StateKey) is { } value && Enum.TryParse<DestinationAdminState>(value, ignoreCase: true, out var state)
            ? state
            : DestinationAdminState.Active;

    /// <summary>When the admin state in <paramref name="metadata"/> was set; null when never.</summary>
    public static DateTimeOffset? SinceOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.GetValueOrDefault(SinceKey) is { } value
        && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since)
            ? since
            : null;

    /// <summary>The drain timeout of a cluster with <paramref name="metadata"/>.</summary>
    public static TimeSpan DrainTimeoutOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.GetValueOrDefault(DrainTimeoutKey) is { } value && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var timeout)
            ? timeout
            : DefaultDrainTimeout;

    /// <summary>
    /// <paramref name="destination"/> with the state (and its time) and weight set; a null argument
    /// leaves that part as it is. Active removes the state key but keeps the time: slow start ramps from it.
    /// </summary>
    public static DestinationDefinition With(DestinationDefinition destination, DestinationAdminState? state, double? weight, DateTimeOffset at)
    {
        var metadata = new Dictionary<string, string>(destination.Metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (state is { } s)
        {
            if (s == DestinationAdminState.Active)
            {
                metadata.Remove(StateKey);
            }
            else
            {
                metadata[StateKey] = s.ToString();
            }

            metadata[SinceKey] = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
        }

        if (weight is { } w)
        {
            metadata[WeightKey] = w.ToString("R", CultureInfo.InvariantCulture);
        }

        return destination with { Metadata = metadata };
    }

    /// <summary>Adds an error for each admin key of a destination's <paramref name="metadata"/> that cannot be read.</summary>
    public static void ValidateDestination(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata?.GetValueOrDefault(StateKey) is { } state && !Enum.TryParse<DestinationAdminState>(state, ignoreCase: true, out _))
        {
            errors.Add(new($"{at}:{StateKey}", $"'{state}' is not an admin state ({string.Join(", ", Enum.GetNames<DestinationAdminState>())})"));
        }

        if (metadata?.GetValueOrDefault(SinceKey) is { } since
            && !DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            errors.Add(new($"{at}:{SinceKey}", $"'{since}' is not an ISO 8601 time"));
        }
    }

    /// <summary>Adds an error when a cluster's <paramref name="metadata"/> sets a drain timeout that cannot be used.</summary>
    public static void ValidateCluster(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata?.GetValueOrDefault(DrainTimeoutKey) is { } value
            && (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var timeout) || timeout < TimeSpan.Zero || timeout > MaxDrainTimeout))
        {
            errors.Add(new($"{at}:{DrainTimeoutKey}", $"'{value}' is not a duration between 00:00:00 and {MaxDrainTimeout:c} (e.g. 00:00:30)"));
        }
    }
}
