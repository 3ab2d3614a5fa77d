using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using ClusterLB.Core.Retries;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Retries;

/// <summary>
/// The retry policies of the applied routing table, read once per table: each cluster's policy with its
/// budget and counts, each route's methods. The request path only reads. A cluster keeps its counts
/// across tables, and its budget while the budget's settings stay the same.
/// </summary>
internal sealed class RetryPolicies : IAppliedTableObserver
{
    private readonly TimeProvider _time;
    private readonly Counter<long> _outcomes;
    private volatile FrozenDictionary<string, ClusterRetries> _clusters = FrozenDictionary<string, ClusterRetries>.Empty;
    private volatile FrozenDictionary<string, RetryMethods> _routes = FrozenDictionary<string, RetryMethods>.Empty;

    public RetryPolicies(TimeProvider time, IMeterFactory meters)
    {
        _time = time;
        _outcomes = meters.Create("ClusterLB.Retries").CreateCounter<long>(
            "clusterlb.retries", "{retry}", "Retries by cluster and outcome (retried, denied: refused by the budget, succeeded: a request that succeeded after a retry)");
    }

    /// <summary>The retries of cluster <paramref name="clusterId"/>, or null when the table has no such cluster.</summary>
    public ClusterRetries? ForCluster(string clusterId) => _clusters.GetValueOrDefault(clusterId);

    /// <summary>The methods route <paramref name="routeId"/> lets the proxy retry.</summary>
    public RetryMethods MethodsOf(string routeId) => _routes.TryGetValue(routeId, out var methods) ? methods : RetryMethods.Idempotent;

    /// <summary>What <c>/admin/status</c> shows.</summary>
    public RetriesStatus Status => new(_clusters.Values.OrderBy(c => c.ClusterId, StringComparer.Ordinal).Select(c => c.Status()).ToList());

    /// <inheritdoc />
    public void Applying(RoutingTable table)
    {
        var current = _clusters;
        var clusters = new Dictionary<string, ClusterRetries>(StringComparer.Ordinal);
        foreach (var (id, cluster) in table.Clusters)
        {
            var policy = RetryMetadata.Policy(cluster.Metadata);
            var kept = current.GetValueOrDefault(id);
            var budget = kept is not null && kept.Budget.Percent == policy.BudgetPercent && kept.Budget.MinPerSecond == policy.MinPerSecond
                ? kept.Budget
                : new RetryBudget(_time, policy.BudgetPercent, policy.MinPerSecond);
            clusters[id] = new ClusterRetries(id, policy, budget, kept?.Counts ?? new RetryCounts(id, _outcomes));
        }

        _clusters = clusters.ToFrozenDictionary(StringComparer.Ordinal);
        _routes = table.Routes
            .Where(r => r.Value.Metadata?.ContainsKey(RetryMetadata.Methods) == true)
            .ToFrozenDictionary(r => r.Key, r => RetryMetadata.RouteMethods(r.Value.Metadata), StringComparer.Ordinal);
    }
}

/// <summary>One cluster's retry policy, its budget on this node, and what its retries came to.</summary>
internal sealed record ClusterRetries(string ClusterId, RetryPolicy Policy, RetryBudget Budget, RetryCounts Counts)
{
    /// <summary>This cluster's line in <c>/admin/status</c>.</summary>
    public ClusterRetriesStatus Status()
    {
        var (requests, retries) = Budget.InWindow();
        return new(ClusterId, Policy.Attempts, Policy.BudgetPercent, Counts.Retried, Counts.Denied, Counts.Succeeded, requests, retries);
    }
}

/// <summary>A cluster's retry counts on this node, also published as the <c>clusterlb.retries</c> metric.</summary>
internal sealed class RetryCounts(string clusterId, Counter<long> outcomes)
{
    private long _retried;
    private long _denied;
    private long _succeeded;

    public long Retried => Interlocked.Read(ref _retried);

    public long Denied => Interlocked.Read(ref _denied);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>A failed attempt was sent again.</summary>
    public void CountRetried() => Count(ref _retried, "retried");

    /// <summary>The budget refused a retry; the client got the failure.</summary>
    public void CountDenied() => Count(ref _denied, "denied");

    /// <summary>A request that was retried succeeded.</summary>
    public void CountSucceeded() => Count(ref _succeeded, "succeeded");

    private void Count(ref long count, string outcome)
    {
        Interlocked.Increment(ref count);
        outcomes.Add(1, new("cluster", clusterId), new("outcome", outcome));
    }
}

/// <summary>Retries as this node made them, per cluster of the applied table.</summary>
public sealed record RetriesStatus(IReadOnlyList<ClusterRetriesStatus> Clusters);

/// <summary>
/// One cluster's retries on this node: its configured attempts and budget, failed attempts sent again,
/// retries the budget refused, requests that succeeded after a retry (since the node started), and the
/// requests and retries in the budget's current window.
/// </summary>
public sealed record ClusterRetriesStatus(
    string ClusterId, int Attempts, double BudgetPercent, long Retried, long DeniedByBudget, long SucceededAfterRetry, long WindowRequests, long WindowRetries);
