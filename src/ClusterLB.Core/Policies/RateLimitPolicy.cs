namespace ClusterLB.Core.Policies;

/// <summary>
/// A named rate limit (<c>ClusterLB:Policies:RateLimiting:{name}</c>) that routes reference with YARP's
/// <c>RateLimiterPolicy</c> field. It limits each client key on each route that names it, and the limit is
/// the cluster's: all nodes together admit about <see cref="PermitLimit"/>, each taking the share of it
/// that follows where the key's requests arrive.
/// </summary>
public sealed record RateLimitPolicy
{
    /// <summary>
    /// <c>TokenBucket</c>, <c>FixedWindow</c>, <c>SlidingWindow</c> or <c>Concurrency</c> (see <see cref="RateLimitKinds"/>).
    /// </summary>
    public string? Kind { get; init; }

    /// <summary>
    /// Requests admitted per <see cref="Window"/> (fixed and sliding window), the bucket's size (token
    /// bucket), or requests in flight at once (concurrency); for the whole cluster.
    /// </summary>
    public int PermitLimit { get; init; }

    /// <summary>Length of a window (fixed and sliding window).</summary>
    public TimeSpan? Window { get; init; }

    /// <summary>Segments a sliding window moves by (sliding window).</summary>
    public int? SegmentsPerWindow { get; init; }

    /// <summary>Tokens added to the bucket every <see cref="ReplenishmentPeriod"/> (token bucket), for the whole cluster.</summary>
    public int? TokensPerPeriod { get; init; }

    /// <summary>How often the bucket is topped up (token bucket).</summary>
    public TimeSpan? ReplenishmentPeriod { get; init; }

    /// <summary>
    /// What tells clients apart: <c>ClientIp</c> (the default), <c>Header</c> (the value of the request
    /// header <see cref="KeyName"/>) or <c>Claim</c> (the value of the user's claim <see cref="KeyName"/>).
    /// Requests without the header or claim share one key.
    /// </summary>
    public string? Key { get; init; }

    /// <summary>The header or claim that holds the client key (for <c>Header</c> and <c>Claim</c>).</summary>
    public string? KeyName { get; init; }
}

/// <summary>The kinds of <see cref="RateLimitPolicy"/>.</summary>
public static class RateLimitKinds
{
    /// <summary>A bucket of <c>PermitLimit</c> tokens topped up by <c>TokensPerPeriod</c> every <c>ReplenishmentPeriod</c>.</summary>
    public const string TokenBucket = nameof(TokenBucket);

    /// <summary>At most <c>PermitLimit</c> requests per <c>Window</c>, windows aligned to the clock.</summary>
    public const string FixedWindow = nameof(FixedWindow);

    /// <summary>At most <c>PermitLimit</c> requests in any <c>Window</c>, moving by one of <c>SegmentsPerWindow</c> segments.</summary>
    public const string SlidingWindow = nameof(SlidingWindow);

    /// <summary>At most <c>PermitLimit</c> requests in flight at once.</summary>
    public const string Concurrency = nameof(Concurrency);

    /// <summary>Every kind.</summary>
    public static IReadOnlyList<string> All { get; } = [TokenBucket, FixedWindow, SlidingWindow, Concurrency];
}

/// <summary>What a <see cref="RateLimitPolicy"/> tells clients apart by.</summary>
public static class RateLimitKeys
{
    /// <summary>The client's IP address, as the node sees it.</summary>
    public const string ClientIp = nameof(ClientIp);

    /// <summary>The value of a request header.</summary>
    public const string Header = nameof(Header);

    /// <summary>The value of a claim of the authenticated user.</summary>
    public const string Claim = nameof(Claim);

    /// <summary>Every key source.</summary>
    public static IReadOnlyList<string> All { get; } = [ClientIp, Header, Claim];
}
