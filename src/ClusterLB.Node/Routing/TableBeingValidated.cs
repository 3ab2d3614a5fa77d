using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Routing;

/// <summary>
/// The routing table YARP's validator is checking, on this async flow. ASP.NET's policy providers,
/// which YARP's validator asks whether a route's policy exists, answer from it, so a change that
/// defines a policy and a route naming it is judged as a whole, before it is persisted.
/// </summary>
internal static class TableBeingValidated
{
    private static readonly AsyncLocal<RoutingTable?> Table = new();

    /// <summary>The table being validated on this flow; null when none is (the applied table counts).</summary>
    public static RoutingTable? Current => Table.Value;

    /// <summary>Makes <paramref name="table"/> the one being validated until the result is disposed.</summary>
    public static IDisposable Enter(RoutingTable table)
    {
        var previous = Table.Value;
        Table.Value = table;
        return new Scope(previous);
    }

    private sealed class Scope(RoutingTable? previous) : IDisposable
    {
        public void Dispose() => Table.Value = previous;
    }
}
