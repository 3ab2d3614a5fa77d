using System.Globalization;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Retries;

/// <summary>
/// The metadata that sets how requests are retried: on a cluster, <see cref="Attempts"/>, <see cref="On"/>,
/// <see cref="Backoff"/>, <see cref="Budget"/>, <see cref="MinPerSecond"/> and <see cref="MaxBodySize"/>;
/// on a route, <see cref="Methods"/>. Each value is parsed here once, for validation and for the node alike.
/// </summary>
public static class RetryMetadata
{
    /// <summary>Cluster metadata: retries after the first attempt, 0 to <see cref="RetryPolicy.MaxAttempts"/>.</summary>
    public const string Attempts = "ClusterLB.Retry.Attempts";

    /// <summary>Cluster metadata: comma-separated failure kinds (<c>connect-failure</c>, <c>reset</c>, <c>502</c>, <c>503</c>, <c>timeout</c>).</summary>
    public const string On = "ClusterLB.Retry.On";

    /// <summary>Cluster metadata: base of the pause before a retry, a duration such as <c>00:00:00.025</c>.</summary>
    public const string Backoff = "ClusterLB.Retry.Backoff";

    /// <summary>Cluster metadata: retries as a percentage of the cluster's requests, 0 to 100.</summary>
    public const string Budget = "ClusterLB.Retry.Budget";

    /// <summary>Cluster metadata: retries per second allowed whatever the percentage.</summary>
    public const string MinPerSecond = "ClusterLB.Retry.MinPerSecond";

    /// <summary>Cluster metadata: largest request body, in bytes, kept so that it can be sent again.</summary>
    public const string MaxBodySize = "ClusterLB.Retry.MaxBodySize";

    /// <summary>Route metadata: comma-separated methods that may be retried.</summary>
    public const string Methods = "ClusterLB.Retry.Methods";

    private static readonly string[] ClusterKeys = [Attempts, On, Backoff, Budget, MinPerSecond, MaxBodySize];

    private static readonly Dictionary<string, RetryOn> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["connect-failure"] = RetryOn.ConnectFailure,
        ["reset"] = RetryOn.Reset,
        ["502"] = RetryOn.Status502,
        ["503"] = RetryOn.Status503,
        ["timeout"] = RetryOn.Timeout,
    };

    private static readonly Dictionary<string, RetryMethods> MethodNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["GET"] = RetryMethods.Get,
        ["HEAD"] = RetryMethods.Head,
        ["OPTIONS"] = RetryMethods.Options,
        ["PUT"] = RetryMethods.Put,
        ["DELETE"] = RetryMethods.Delete,
        ["TRACE"] = RetryMethods.Trace,
        ["POST"] = RetryMethods.Post,
        ["PATCH"] = RetryMethods.Patch,
    };

    /// <summary>The retry policy that a cluster's <paramref name="metadata"/> sets; a value that is not usable keeps its default.</summary>
    public static RetryPolicy Policy(IReadOnlyDictionary<string, string>? metadata)
    {
        var policy = RetryPolicy.Default;
        if (metadata is null)
        {
            return policy;
        }

        return policy with
        {
            Attempts = Read(metadata, Attempts, TryAttempts, policy.Attempts),
            On = Read(metadata, On, TryKinds, policy.On),
            Backoff = Read(metadata, Backoff, TryBackoff, policy.Backoff),
            BudgetPercent = Read(metadata, Budget, TryBudget, policy.BudgetPercent),
            MinPerSecond = Read(metadata, MinPerSecond, TryMinPerSecond, policy.MinPerSecond),
            MaxBodySize = Read(metadata, MaxBodySize, TryBodySize, policy.MaxBodySize),
        };
    }

    /// <summary>The methods a route's <paramref name="metadata"/> lets the proxy retry; the idempotent ones when it does not say.</summary>
    public static RetryMethods RouteMethods(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is null ? RetryMethods.Idempotent : Read(metadata, Methods, TryMethods, RetryMethods.Idempotent);

    /// <summary>Adds an error for each retry value of a cluster's <paramref name="metadata"/> that is not usable, and for route-only keys.</summary>
    public static void Validate(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        Check<int>(errors, at, metadata, Attempts, TryAttempts, $"is not a whole number of retries from 0 to {RetryPolicy.MaxAttempts}");
        Check<RetryOn>(errors, at, metadata, On, TryKinds, $"is not a comma-separated list of {string.Join(", ", Kinds.Keys)}");
        Check<TimeSpan>(errors, at, metadata, Backoff, TryBackoff, $"is not a duration from 00:00:00 to {RetryPolicy.MaxBackoff:c}");
        Check<double>(errors, at, metadata, Budget, TryBudget, "is not a percentage from 0 to 100");
        Check<int>(errors, at, metadata, MinPerSecond, TryMinPerSecond, $"is not a whole number of retries per second from 0 to {RetryPolicy.MaxMinPerSecond}");
        Check<long>(errors, at, metadata, MaxBodySize, TryBodySize, $"is not a size in bytes from 0 to {RetryPolicy.MaxBufferedBody}");
        if (metadata.ContainsKey(Methods))
        {
            errors.Add(new($"{at}:{Methods}", "is route metadata: set it on the routes that may retry these methods"));
        }
    }

    /// <summary>Adds an error when a route's <paramref name="metadata"/> holds retry methods that are not usable, or cluster-only keys.</summary>
    public static void ValidateRoute(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }

        Check<RetryMethods>(errors, at, metadata, Methods, TryMethods, $"is not a comma-separated list of HTTP methods ({string.Join(", ", MethodNames.Keys)})");
        foreach (var key in ClusterKeys.Where(metadata.ContainsKey))
        {
            errors.Add(new($"{at}:{key}", "is cluster metadata: set it on the route's cluster"));
        }
    }

    private delegate bool TryParse<T>(string value, out T result);

    private static T Read<T>(IReadOnlyDictionary<string, string> metadata, string key, TryParse<T> parse, T fallback) =>
        metadata.TryGetValue(key, out var value) && parse(value, out var parsed) ? parsed : fallback;

    private static void Check<T>(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string> metadata, string key, TryParse<T> parse, string problem)
    {
        if (metadata.TryGetValue(key, out var value) && !parse(value, out _))
        {
            errors.Add(new($"{at}:{key}", $"'{value}' {problem}"));
        }
    }

    private static bool TryAttempts(string value, out int attempts) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out attempts) && attempts <= RetryPolicy.MaxAttempts;

    private static bool TryMinPerSecond(string value, out int perSecond) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out perSecond) && perSecond <= RetryPolicy.MaxMinPerSecond;

    private static bool TryBodySize(string value, out long bytes) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out bytes) && bytes <= RetryPolicy.MaxBufferedBody;

    private static bool TryBudget(string value, out double percent) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out percent) && percent is >= 0 and <= 100;

    private static bool TryBackoff(string value, out TimeSpan backoff) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out backoff) && backoff >= TimeSpan.Zero && backoff <= RetryPolicy.MaxBackoff;

    private static bool TryKinds(string value, out RetryOn kinds) => TryFlags(value, Kinds, out kinds);

    private static bool TryMethods(string value, out RetryMethods methods) => TryFlags(value, MethodNames, out methods);

    // A list of known names, at least one; blanks around the commas are allowed.
    private static bool TryFlags<T>(string value, Dictionary<string, T> names, out T flags)
        where T : struct, Enum
    {
        var bits = 0;
        flags = default;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!names.TryGetValue(part, out var flag))
            {
                return false;
            }

            bits |= Convert.ToInt32(flag, CultureInfo.InvariantCulture);
        }

        flags = (T)Enum.ToObject(typeof(T), bits);
        return bits != 0;
    }
}
