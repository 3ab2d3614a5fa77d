using System.Globalization;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Health;

/// <summary>
/// The cluster metadata the health model reads. YARP's own keys keep their meaning:
/// <c>ConsecutiveFailuresHealthPolicy.Threshold</c> (failed probes in a row that take a destination
/// out) and <c>TransportFailureRateHealthPolicy.RateLimit</c> (the share of failed requests that
/// ejects it). ClusterLB's outlier detection (<c>ClusterLB.Outlier.*</c>, see <see cref="OutlierPolicy"/>)
/// and panic threshold (<c>ClusterLB.PanicThresholdPercent</c>) add to them. Each value is parsed by
/// one function, used both to validate a table and to read it.
/// </summary>
public static class HealthPolicyMetadata
{
    /// <summary>Consecutive failed probes that mark a destination unhealthy (YARP's default: 2).</summary>
    public const string ConsecutiveFailuresThreshold = "ConsecutiveFailuresHealthPolicy.Threshold";

    /// <summary>Share of failed requests, 0 to 1, that ejects a destination (YARP's key; <see cref="FailureRatePercent"/> wins).</summary>
    public const string TransportFailureRateLimit = "TransportFailureRateHealthPolicy.RateLimit";

    /// <summary>Failed requests in a row, all nodes together, that eject a destination (default 5).</summary>
    public const string ConsecutiveFailures = "ClusterLB.Outlier.ConsecutiveFailures";

    /// <summary>Percentage of failed requests in one report window that ejects a destination (default 50).</summary>
    public const string FailureRatePercent = "ClusterLB.Outlier.FailureRatePercent";

    /// <summary>Requests a report window needs before its failure rate counts (default 10).</summary>
    public const string MinimumRequests = "ClusterLB.Outlier.MinimumRequests";

    /// <summary>Length of the first ejection, and the step of later ones (default 30 s).</summary>
    public const string BaseEjectionTime = "ClusterLB.Outlier.BaseEjectionTime";

    /// <summary>Longest ejection (default 300 s).</summary>
    public const string MaxEjectionTime = "ClusterLB.Outlier.MaxEjectionTime";

    /// <summary>Most destinations of a cluster ejected at once, in percent (default 50).</summary>
    public const string MaxEjectionPercent = "ClusterLB.Outlier.MaxEjectionPercent";

    /// <summary>Below this percentage of available destinations, traffic goes to all of them (default: none).</summary>
    public const string PanicThresholdPercent = "ClusterLB.PanicThresholdPercent";

    /// <summary>The longest ejection the metadata may ask for.</summary>
    public static readonly TimeSpan LongestEjection = RoutingTableLimits.MaxReactivationPeriod;

    private delegate bool Parser<T>(string value, out T result);

    private static readonly (string Key, Func<string, bool> Valid, string Expected)[] Fields =
    [
        (ConsecutiveFailuresThreshold, v => TryThreshold(v, out _), "a whole number of probes from 1 to 100"),
        (TransportFailureRateLimit, v => TryRate(v, out _), "a failure rate between 0 (exclusive) and 1"),
        (ConsecutiveFailures, v => TryCount(v, out _), "a whole number of requests from 1 to 1000000"),
        (FailureRatePercent, v => TryPercent(v, 1, out _), "a whole percentage from 1 to 100"),
        (MinimumRequests, v => TryCount(v, out _), "a whole number of requests from 1 to 1000000"),
        (BaseEjectionTime, v => TryDuration(v, out _), $"a duration (hh:mm:ss) above zero and at most {LongestEjection}"),
        (MaxEjectionTime, v => TryDuration(v, out _), $"a duration (hh:mm:ss) above zero and at most {LongestEjection}"),
        (MaxEjectionPercent, v => TryPercent(v, 0, out _), "a whole percentage from 0 to 100"),
        (PanicThresholdPercent, v => TryPercent(v, 0, out _), "a whole percentage from 0 to 100"),
    ];

    /// <summary><paramref name="thresholds"/> with what <paramref name="metadata"/> sets for the cluster's probes.</summary>
    public static HealthThresholds Apply(HealthThresholds thresholds, IReadOnlyDictionary<string, string>? metadata) =>
        Get<int>(metadata, ConsecutiveFailuresThreshold, TryThreshold) is { } fall ? thresholds with { Fall = fall } : thresholds;

    /// <summary><paramref name="policy"/> with what <paramref name="metadata"/> sets for the cluster's outlier detection.</summary>
    public static OutlierPolicy Apply(OutlierPolicy policy, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return policy;
        }

        if (Get<double>(metadata, TransportFailureRateLimit, TryRate) is { } rate)
        {
            policy = policy with { FailureRatePercent = (int)Math.Ceiling(rate * 100) };
        }

        policy = policy with
        {
            ConsecutiveFailures = Get<int>(metadata, ConsecutiveFailures, TryCount) ?? policy.ConsecutiveFailures,
            FailureRatePercent = Get(metadata, FailureRatePercent, (string v, out int p) => TryPercent(v, 1, out p)) ?? policy.FailureRatePercent,
            MinimumRequests = Get<int>(metadata, MinimumRequests, TryCount) ?? policy.MinimumRequests,
            BaseEjectionTime = Get<TimeSpan>(metadata, BaseEjectionTime, TryDuration) ?? policy.BaseEjectionTime,
            MaxEjectionTime = Get<TimeSpan>(metadata, MaxEjectionTime, TryDuration) ?? policy.MaxEjectionTime,
            MaxEjectionPercent = Get(metadata, MaxEjectionPercent, (string v, out int p) => TryPercent(v, 0, out p)) ?? policy.MaxEjectionPercent,
        };
        return policy;
    }

    /// <summary>The cluster's panic threshold in percent, or null when it sets none (YARP's behaviour).</summary>
    public static int? PanicThreshold(IReadOnlyDictionary<string, string>? metadata) =>
        Get(metadata, PanicThresholdPercent, (string v, out int p) => TryPercent(v, 0, out p));

    /// <summary>Adds an error, naming the field, for each health metadata value that is not usable.</summary>
    public static void Validate(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        foreach (var (key, valid, expected) in Fields)
        {
            if (metadata.TryGetValue(key, out var value) && !valid(value))
            {
                errors.Add(new($"{at}:{key}", $"'{value}' is not {expected}"));
            }
        }

        if (Get<TimeSpan>(metadata, BaseEjectionTime, TryDuration) is { } baseTime
            && Get<TimeSpan>(metadata, MaxEjectionTime, TryDuration) is { } maxTime
            && maxTime < baseTime)
        {
            errors.Add(new($"{at}:{MaxEjectionTime}", $"'{maxTime}' is shorter than {BaseEjectionTime} ('{baseTime}')"));
        }
    }

    private static T? Get<T>(IReadOnlyDictionary<string, string>? metadata, string key, Parser<T> parse)
        where T : struct =>
        metadata is not null && metadata.TryGetValue(key, out var value) && parse(value, out var parsed) ? parsed : null;

    // YARP parses the threshold as a number and compares the failure count with it: 2.5 means 3.
    private static bool TryThreshold(string value, out int fall)
    {
        fall = 0;
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number is not (> 0 and <= 100))
        {
            return false;
        }

        fall = (int)Math.Ceiling(number);
        return true;
    }

    private static bool TryRate(string value, out double rate) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) && rate is > 0 and <= 1;

    private static bool TryCount(string value, out int count) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= 1_000_000;

    private static bool TryPercent(string value, int minimum, out int percent) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out percent) && percent >= minimum && percent <= 100;

    private static bool TryDuration(string value, out TimeSpan duration) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero && duration <= LongestEjection;
}
