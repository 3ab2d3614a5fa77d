namespace ClusterLB.Core.Retries;

/// <summary>The failures after which a request may be sent to another destination.</summary>
[Flags]
public enum RetryOn
{
    /// <summary>No failure is retried.</summary>
    None = 0,

    /// <summary>The connection could not be made: refused, unreachable, name not resolved. Nothing was delivered.</summary>
    ConnectFailure = 1,

    /// <summary>The connection broke before the response headers arrived.</summary>
    Reset = 2,

    /// <summary>The destination answered 502 Bad Gateway.</summary>
    Status502 = 4,

    /// <summary>The destination answered 503 Service Unavailable.</summary>
    Status503 = 8,

    /// <summary>The cluster's activity timeout fired before the response headers arrived.</summary>
    Timeout = 16,
}

/// <summary>The HTTP methods a route lets the proxy send more than once.</summary>
[Flags]
public enum RetryMethods
{
    /// <summary>No method.</summary>
    None = 0,

    /// <summary>GET.</summary>
    Get = 1,

    /// <summary>HEAD.</summary>
    Head = 2,

    /// <summary>OPTIONS.</summary>
    Options = 4,

    /// <summary>PUT.</summary>
    Put = 8,

    /// <summary>DELETE.</summary>
    Delete = 16,

    /// <summary>TRACE.</summary>
    Trace = 32,

    /// <summary>POST: not idempotent; only when the route says so.</summary>
    Post = 64,

    /// <summary>PATCH: not idempotent; only when the route says so.</summary>
    Patch = 128,

    /// <summary>The idempotent methods retried by default.</summary>
    Idempotent = Get | Head | Options | Put | Delete,
}

/// <summary>
/// How one cluster retries failed requests, read once from its metadata (<see cref="RetryMetadata"/>).
/// </summary>
/// <param name="Attempts">Retries after the first attempt; 0 turns retries off.</param>
/// <param name="On">The failures that are retried.</param>
/// <param name="Backoff">Base of the jittered, growing pause before a retry.</param>
/// <param name="BudgetPercent">Retries allowed as a share of the cluster's requests over the budget window, 0 to 100.</param>
/// <param name="MinPerSecond">Retries allowed in any second whatever the share.</param>
/// <param name="MaxBodySize">Largest request body, in bytes, kept so that it can be sent again.</param>
public sealed record RetryPolicy(int Attempts, RetryOn On, TimeSpan Backoff, double BudgetPercent, int MinPerSecond, long MaxBodySize)
{
    /// <summary>Most retries a cluster may ask for.</summary>
    public const int MaxAttempts = 5;

    /// <summary>Longest backoff base.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    /// <summary>Most retries per second a cluster may always make.</summary>
    public const int MaxMinPerSecond = 10_000;

    /// <summary>Largest request body a cluster may keep for a retry (16 MiB).</summary>
    public const long MaxBufferedBody = 16 * 1024 * 1024;

    /// <summary>What a cluster without retry metadata does.</summary>
    public static readonly RetryPolicy Default = new(2, RetryOn.ConnectFailure | RetryOn.Reset, TimeSpan.FromMilliseconds(25), 20, 10, 64 * 1024);

    /// <summary>Whether the cluster retries at all.</summary>
    public bool Enabled => Attempts > 0;

    /// <summary>Whether a destination's <paramref name="status"/> answer is retried.</summary>
    public bool RetriesStatus(int status) => status switch
    {
        502 => (On & RetryOn.Status502) != 0,
        503 => (On & RetryOn.Status503) != 0,
        _ => false,
    };

    /// <summary>
    /// The pause before retry number <paramref name="retry"/> (1 for the first): the base doubled for each
    /// earlier retry, scaled by <paramref name="jitter"/> (0 to 1) into half to one and a half of that.
    /// </summary>
    public TimeSpan BackoffBefore(int retry, double jitter) =>
        Backoff <= TimeSpan.Zero ? TimeSpan.Zero : Backoff * (1 << Math.Clamp(retry - 1, 0, MaxAttempts)) * (0.5 + jitter);
}
