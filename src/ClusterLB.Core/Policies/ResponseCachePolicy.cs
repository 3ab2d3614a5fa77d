using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Policies;

/// <summary>
/// A shared response cache for the routes that name it in their <c>OutputCachePolicy</c>
/// (<c>ClusterLB:Policies:OutputCache:{name}</c>). Freshness comes from the backend's answer, as for
/// any shared HTTP cache (RFC 9111); the policy bounds the cache and says what else may be stored.
/// </summary>
public sealed record ResponseCachePolicy
{
    /// <summary>Default of <see cref="MaxBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>Default of <see cref="MaxEntryBytes"/>: 1 MiB.</summary>
    public const long DefaultMaxEntryBytes = 1024 * 1024;

    /// <summary>Bytes of bodies this policy may keep on each node; the least recently used go first.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>Largest body stored; larger answers pass through uncached.</summary>
    public long? MaxEntryBytes { get; init; }

    /// <summary>
    /// How long an answer with no freshness of its own (no <c>s-maxage</c>, <c>max-age</c> or
    /// <c>Expires</c>) stays fresh; unset or zero: such answers are not stored.
    /// </summary>
    public TimeSpan? DefaultTtl { get; init; }

    /// <summary>Store and serve answers to requests that carry <c>Authorization</c> (off by default).</summary>
    public bool? CacheAuthorized { get; init; }

    /// <summary>Store answers that set cookies (off by default: a cookie is meant for one client).</summary>
    public bool? CacheSetCookie { get; init; }

    /// <summary>Request headers that always take part in the key, besides those the backend's <c>Vary</c> names.</summary>
    public IReadOnlyList<string>? VaryByHeaders { get; init; }
}

/// <summary>Checks the response-cache policies of a table.</summary>
public static class ResponseCachePolicyValidator
{
    private const string At = "Policies:OutputCache";

    /// <summary>Adds every error of <paramref name="table"/>'s response-cache policies to <paramref name="errors"/>.</summary>
    public static void Validate(List<ValidationError> errors, RoutingTable table)
    {
        foreach (var (name, policy) in table.Policies.OutputCache ?? new Dictionary<string, ResponseCachePolicy>())
        {
            var at = $"{At}:{name}";
            if (policy.MaxBytes is <= 0)
            {
                errors.Add(new($"{at}:MaxBytes", $"must be a positive number of bytes, got {policy.MaxBytes}"));
            }

            if (policy.MaxEntryBytes is <= 0)
            {
                errors.Add(new($"{at}:MaxEntryBytes", $"must be a positive number of bytes, got {policy.MaxEntryBytes}"));
            }
            else if (policy.MaxEntryBytes > (policy.MaxBytes ?? ResponseCachePolicy.DefaultMaxBytes))
            {
                errors.Add(new($"{at}:MaxEntryBytes", $"{policy.MaxEntryBytes} is more than the policy's MaxBytes"));
            }

            if (policy.DefaultTtl < TimeSpan.Zero)
            {
                errors.Add(new($"{at}:DefaultTtl", $"must not be negative, got {policy.DefaultTtl}"));
            }

            for (var i = 0; i < (policy.VaryByHeaders?.Count ?? 0); i++)
            {
                if (string.IsNullOrWhiteSpace(policy.VaryByHeaders![i]) || policy.VaryByHeaders[i].Any(c => c <= ' ' || c == ':'))
                {
                    errors.Add(new($"{at}:VaryByHeaders:{i}", $"'{policy.VaryByHeaders[i]}' is not a header name"));
                }
            }
        }
    }
}
