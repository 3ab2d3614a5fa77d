using System.Globalization;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Health;

/// <summary>
/// The cluster metadata YARP's health policies read, honoured with the same meaning by the cluster's
/// health monitor: <c>ConsecutiveFailuresHealthPolicy.Threshold</c> (failed probes in a row that take
/// a destination out) and <c>TransportFailureRateHealthPolicy.RateLimit</c> (the share of failed
/// requests that does).
/// </summary>
public static class HealthPolicyMetadata
{
    /// <summary>Consecutive failed probes that mark a destination unhealthy (YARP's default: 2).</summary>
    public const string ConsecutiveFailuresThreshold = "ConsecutiveFailuresHealthPolicy.Threshold";

    /// <summary>Share of failed requests, 0 to 1, that marks a destination unhealthy.</summary>
    public const string TransportFailureRateLimit = "TransportFailureRateHealthPolicy.RateLimit";

    /// <summary><paramref name="thresholds"/> with what <paramref name="metadata"/> sets for the cluster.</summary>
    public static HealthThresholds Apply(HealthThresholds thresholds, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return thresholds;
        }

        if (metadata.TryGetValue(ConsecutiveFailuresThreshold, out var threshold) && TryThreshold(threshold, out var fall))
        {
            thresholds = thresholds with { Fall = fall };
        }

        if (metadata.TryGetValue(TransportFailureRateLimit, out var limit) && TryRate(limit, out var rate))
        {
            thresholds = thresholds with { PassiveFailureRate = rate };
        }

        return thresholds;
    }

    /// <summary>Adds an error for each health metadata value that is not usable.</summary>
    public static void Validate(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        if (metadata.TryGetValue(ConsecutiveFailuresThreshold, out var threshold) && !TryThreshold(threshold, out _))
        {
            errors.Add(new($"{at}:{ConsecutiveFailuresThreshold}", $"'{threshold}' is not a whole number of probes from 1 to 100"));
        }

        if (metadata.TryGetValue(TransportFailureRateLimit, out var limit) && !TryRate(limit, out _))
        {
            errors.Add(new($"{at}:{TransportFailureRateLimit}", $"'{limit}' is not a failure rate between 0 (exclusive) and 1"));
        }
    }

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
}
