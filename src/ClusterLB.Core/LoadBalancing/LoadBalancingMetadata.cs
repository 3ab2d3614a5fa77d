using System.Globalization;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.LoadBalancing;

/// <summary>
/// The cluster and destination metadata the load-balancing policies read: weights, the hash key of
/// ConsistentHash, slow start and PeakEwma's decay time. Each value is parsed once per configuration,
/// never per request, and a table with a value that cannot be used is refused.
/// </summary>
public static class LoadBalancingMetadata
{
    /// <summary>Destination metadata: the destination's weight, a positive number up to <see cref="MaxWeight"/> (default 1).</summary>
    public const string Weight = "ClusterLB.Weight";

    /// <summary>Cluster metadata: where ConsistentHash reads the key (<see cref="RequestKeySource"/> syntax).</summary>
    public const string HashKey = "ClusterLB.HashKey";

    /// <summary>Cluster metadata: how long a destination's slow start takes (a duration, e.g. <c>00:00:30</c>); off when absent.</summary>
    public const string SlowStartDuration = "ClusterLB.SlowStart";

    /// <summary>Cluster metadata: the share of its weight, in percent (1 to 100), a destination starts with (default 10).</summary>
    public const string SlowStartInitialPercent = "ClusterLB.SlowStart.InitialPercent";

    /// <summary>Cluster metadata: PeakEwma's decay time (a duration; default 10 s).</summary>
    public const string PeakEwmaDecayTime = "ClusterLB.PeakEwma.DecayTime";

    /// <summary>The largest weight: weights are shares, and 1 to 1,000 is plenty of resolution.</summary>
    public const double MaxWeight = 1000;

    /// <summary>The longest PeakEwma decay time.</summary>
    public static readonly TimeSpan MaxDecayTime = TimeSpan.FromMinutes(10);

    /// <summary>The weight <paramref name="metadata"/> gives a destination; 1 when absent or unusable (a validated table has none unusable).</summary>
    public static double WeightOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.TryGetValue(Weight, out var text) == true && TryWeight(text, out var weight) ? weight : 1;

    /// <summary>The hash key source of a cluster, or null when it has none.</summary>
    public static RequestKeySource? HashKeyOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.TryGetValue(HashKey, out var text) == true && RequestKeySource.TryParse(text, out var source, out _) ? source : null;

    /// <summary>The slow start of a cluster, or null when off.</summary>
    public static SlowStart? SlowStartOf(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue(SlowStartDuration, out var text) || !TryDuration(text, SlowStart.MaxDuration, out var duration))
        {
            return null;
        }

        var initial = metadata.TryGetValue(SlowStartInitialPercent, out var percentText) && TryPercent(percentText, out var percent)
            ? percent
            : SlowStart.DefaultInitialPercent;
        return new SlowStart(duration, initial);
    }

    /// <summary>PeakEwma's decay time for a cluster.</summary>
    public static TimeSpan DecayTimeOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.TryGetValue(PeakEwmaDecayTime, out var text) == true && TryDuration(text, MaxDecayTime, out var decay) ? decay : PeakEwmaLatency.DefaultDecayTime;

    /// <summary>
    /// When an operator last made the destination active (enable), or null when it is not active or
    /// no operator changed its state (<see cref="DestinationAdmin"/>).
    /// </summary>
    public static DateTimeOffset? EnabledAt(IReadOnlyDictionary<string, string>? metadata) =>
        DestinationAdmin.StateOf(metadata) == DestinationAdminState.Active ? DestinationAdmin.SinceOf(metadata) : null;

    /// <summary>Adds an error, naming the field, for each load-balancing value of <paramref name="cluster"/> that cannot be used.</summary>
    public static void Validate(List<ValidationError> errors, string at, ClusterDefinition cluster)
    {
        var metadata = cluster.Metadata;
        if (metadata?.TryGetValue(HashKey, out var key) == true)
        {
            if (!RequestKeySource.TryParse(key, out _, out var error))
            {
                errors.Add(new($"{at}:Metadata:{HashKey}", error!));
            }
        }
        else if (string.Equals(cluster.LoadBalancingPolicy, LoadBalancingPolicyNames.ConsistentHash, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new($"{at}:Metadata:{HashKey}", $"is required by the {LoadBalancingPolicyNames.ConsistentHash} policy: {RequestKeySource.Syntax}"));
        }

        if (metadata?.TryGetValue(SlowStartDuration, out var slowStart) == true && !TryDuration(slowStart, SlowStart.MaxDuration, out _))
        {
            errors.Add(new($"{at}:Metadata:{SlowStartDuration}", $"'{slowStart}' is not a duration from 00:00:01 to {SlowStart.MaxDuration}, e.g. 00:00:30"));
        }

        if (metadata?.TryGetValue(SlowStartInitialPercent, out var percent) == true && !TryPercent(percent, out _))
        {
            errors.Add(new($"{at}:Metadata:{SlowStartInitialPercent}", $"'{percent}' is not a percentage from 1 to 100"));
        }

        if (metadata?.TryGetValue(PeakEwmaDecayTime, out var decay) == true && !TryDuration(decay, MaxDecayTime, out _))
        {
            errors.Add(new($"{at}:Metadata:{PeakEwmaDecayTime}", $"'{decay}' is not a duration from 00:00:01 to {MaxDecayTime}, e.g. 00:00:10"));
        }

        foreach (var (id, destination) in cluster.Destinations)
        {
            if (destination.Metadata?.TryGetValue(Weight, out var weight) == true && !TryWeight(weight, out _))
            {
                errors.Add(new($"{at}:Destinations:{id}:Metadata:{Weight}", $"'{weight}' is not a positive number up to {MaxWeight}"));
            }
        }
    }

    private static bool TryWeight(string text, out double weight) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out weight) && weight is > 0 and <= MaxWeight;

    private static bool TryPercent(string text, out double percent) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out percent) && percent is >= 1 and <= 100;

    // At least a second: shorter ramps and decays are noise at request rates.
    private static bool TryDuration(string text, TimeSpan max, out TimeSpan duration) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.FromSeconds(1) && duration <= max;
}
