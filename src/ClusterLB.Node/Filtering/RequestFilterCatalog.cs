using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Filtering;

/// <summary>
/// The request filters of the routing table the node runs, compiled when the table is applied and
/// swapped in as one snapshot, so the request path only reads them.
/// </summary>
internal sealed class RequestFilterCatalog : IAppliedTableObserver
{
    private volatile Snapshot _current = Snapshot.Empty;

    /// <summary>The filters of the table applied last.</summary>
    public Snapshot Current => _current;

    /// <inheritdoc />
    public void Applying(RoutingTable table)
    {
        var byName = new Dictionary<string, RequestFilter>(StringComparer.Ordinal);
        foreach (var (name, policy) in table.Policies.RequestFiltering ?? new Dictionary<string, RequestFilteringPolicy>())
        {
            byName[name] = RequestFilter.Compile(name, policy);
        }

        var global = (table.Policies.RequestFiltering ?? new Dictionary<string, RequestFilteringPolicy>())
            .Where(p => p.Value.AllRoutes == true)
            .Select(p => byName[p.Key])
            .ToArray();
        _current = new Snapshot(byName, global);
    }

    /// <summary>Filters by policy name, and those that apply to every route.</summary>
    internal sealed record Snapshot(IReadOnlyDictionary<string, RequestFilter> ByName, RequestFilter[] AllRoutes)
    {
        public static Snapshot Empty { get; } = new(new Dictionary<string, RequestFilter>(), []);

        public bool IsEmpty => ByName.Count == 0;
    }
}
