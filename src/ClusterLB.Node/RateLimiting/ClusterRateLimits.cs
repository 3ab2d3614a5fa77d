using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ClusterLB.Cluster.RateLimiting;
using ClusterLB.Core.Hashing;
using ClusterLB.Core.Policies;
using ClusterLB.Core.RateLimiting;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.RateLimiting;

/// <summary>
/// The node's cluster-wide rate limits: for each route that names one of the table's rate-limit policies,
/// a limiter per client key holding this node's share of the key's limit. The request path only reads
/// (<see cref="ForRoute"/>); the routing-table applier prepares the routes' limits, and the rebalancing
/// (<see cref="RateLimitShareExchange"/>) takes the demand and moves the shares.
/// </summary>
internal sealed partial class ClusterRateLimits : IAppliedTableObserver, IRateLimitDemand
{
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterRateLimits> _logger;
    private readonly Counter<long> _requests;
    private volatile FrozenDictionary<string, RouteRateLimit> _routes = FrozenDictionary<string, RouteRateLimit>.Empty;
    private volatile ShareTable _shares = ShareTable.Alone;
    private long _admitted;
    private long _rejected;
    private long _lastDemandAt;

    public ClusterRateLimits(TimeProvider time, IMeterFactory meters, ILogger<ClusterRateLimits> logger)
    {
        _time = time;
        _logger = logger;
        _lastDemandAt = time.GetTimestamp();
        _requests = meters.Create("ClusterLB.RateLimiting").CreateCounter<long>(
            "clusterlb.rate_limit.requests", "{request}", "Requests on rate-limited routes, by outcome (admitted, rejected)");
    }

    /// <summary>The limits of route <paramref name="routeId"/>, or null when it has none of the table's rate-limit policies.</summary>
    public RouteRateLimit? ForRoute(string routeId) => _routes.GetValueOrDefault(routeId);

    /// <summary>What <c>/admin/status</c> shows.</summary>
    public RateLimitingStatus Status => new(
        Interlocked.Read(ref _admitted),
        Interlocked.Read(ref _rejected),
        _routes.Count,
        _routes.Values.Sum(r => r.Keys),
        _shares.LiveNodes);

    /// <inheritdoc />
    public void Applying(RoutingTable table)
    {
        var current = _routes;
        var routes = new Dictionary<string, RouteRateLimit>(StringComparer.Ordinal);
        foreach (var (id, route) in table.Routes)
        {
            if (route.RateLimiterPolicy is not { } name || !table.Policies.RateLimiting.TryGetValue(name, out var policy))
            {
                continue;
            }

            // A route whose policy did not change keeps its keys and what they have used.
            routes[id] = current.TryGetValue(id, out var kept) && kept.PolicyName == name && kept.Policy == policy
                ? kept
                : new RouteRateLimit(id, name, policy, this);
        }

        _routes = routes.ToFrozenDictionary(StringComparer.Ordinal);
        Log.PoliciesApplied(_logger, table.Version, routes.Count);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<ulong, double> TakeDemand()
    {
        var now = _time.GetTimestamp();
        var seconds = Math.Max(0.001, _time.GetElapsedTime(Interlocked.Exchange(ref _lastDemandAt, now), now).TotalSeconds);
        var demand = new Dictionary<ulong, double>();
        foreach (var route in _routes.Values)
        {
            route.TakeDemand(seconds, demand);
        }

        return demand;
    }

    /// <inheritdoc />
    public void Rebalance(ShareTable shares)
    {
        _shares = shares;
        foreach (var route in _routes.Values)
        {
            route.Rebalance(shares);
        }
    }

    internal ShareTable Shares => _shares;

    internal TimeProvider Time => _time;

    internal void Count(bool admitted)
    {
        Interlocked.Increment(ref admitted ? ref _admitted : ref _rejected);
        _requests.Add(1, new KeyValuePair<string, object?>("outcome", admitted ? "admitted" : "rejected"));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Routing table v{Version}: {Routes} routes have cluster-wide rate limits")]
        public static partial void PoliciesApplied(ILogger logger, long version, int routes);
    }
}

/// <summary>One route's rate limit: the policy it names and a limiter per client key seen on this node.</summary>
internal sealed class RouteRateLimit
{
    /// <summary>Keys one route holds on one node; beyond it, new keys share one limiter until idle keys are forgotten.</summary>
    public const int MaxKeys = 100_000;

    /// <summary>Longest client key kept: a longer header or claim value is cut, so a client cannot make keys large.</summary>
    public const int MaxKeyLength = 512;

    private const string OverflowKey = "\0overflow";

    private readonly ConcurrentDictionary<string, KeyLimit> _keys = new(StringComparer.Ordinal);
    private readonly ulong _prefix;
    private readonly ClusterRateLimits _limits;

    public RouteRateLimit(string routeId, string policyName, RateLimitPolicy policy, ClusterRateLimits limits)
    {
        PolicyName = policyName;
        Policy = policy;
        _limits = limits;
        _prefix = StableHash.Combine(StableHash.Of(routeId), StableHash.Of(policyName));
    }

    public string PolicyName { get; }

    public RateLimitPolicy Policy { get; }

    public int Keys => _keys.Count;

    /// <summary>A permit for <paramref name="context"/>'s client key; never waits.</summary>
    public System.Threading.RateLimiting.RateLimitLease Acquire(HttpContext context)
    {
        var key = ClientKey.Of(Policy, context);
        if (key.Length > MaxKeyLength)
        {
            key = key[..MaxKeyLength];
        }

        if (!_keys.TryGetValue(key, out var limit))
        {
            limit = _keys.Count >= MaxKeys ? _keys.GetOrAdd(OverflowKey, NewKey) : _keys.GetOrAdd(key, NewKey);
        }

        var lease = limit.Limiter.AttemptAcquire();
        _limits.Count(lease.IsAcquired);
        return lease;
    }

    private KeyLimit NewKey(string key)
    {
        var hash = StableHash.Combine(_prefix, StableHash.Of(key));
        return new KeyLimit(hash, SharedLimiter.Create(Policy, _limits.Shares.ShareOf(hash, 0), _limits.Time));
    }

    public void TakeDemand(double seconds, Dictionary<ulong, double> demand)
    {
        foreach (var (key, limit) in _keys)
        {
            var attempts = limit.Limiter.TakeAttempts();
            // Requests in flight are demand too: a concurrency limit's long requests keep their share.
            limit.Demand = (attempts / seconds) + limit.Limiter.InFlight;
            if (limit.Demand > 0)
            {
                demand[limit.Hash] = limit.Demand;
            }
            else if (limit.Limiter.IsForgettable)
            {
                _keys.TryRemove(key, out _);
            }
        }
    }

    public void Rebalance(ShareTable shares)
    {
        foreach (var limit in _keys.Values)
        {
            limit.Limiter.Share = shares.ShareOf(limit.Hash, limit.Demand);
        }
    }

    /// <summary>A client key's limiter; <see cref="Demand"/> is written and read by the rebalancing only.</summary>
    private sealed class KeyLimit(ulong hash, SharedLimiter limiter)
    {
        public ulong Hash { get; } = hash;

        public SharedLimiter Limiter { get; } = limiter;

        public double Demand { get; set; }
    }
}

/// <summary>Rate limiting as this node sees it: requests admitted and rejected on rate-limited routes since it started,
/// routes with a cluster-wide limit, client keys it holds, and the live nodes the limits are shared among.</summary>
public sealed record RateLimitingStatus(long Admitted, long Rejected, int Routes, int ActiveKeys, int LiveNodes);
