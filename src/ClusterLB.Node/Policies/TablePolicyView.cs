using System.Runtime.CompilerServices;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Policies;

/// <summary>
/// One kind of the routing table's named policies as ASP.NET Core's policy objects, built once per
/// table: the applied table's before YARP routes by it, a candidate's while YARP validates it.
/// </summary>
/// <typeparam name="TPolicy">ASP.NET Core's policy type, e.g. <c>CorsPolicy</c>.</typeparam>
internal sealed class TablePolicyView<TPolicy>(Func<PolicyDefinitions, IReadOnlyDictionary<string, TPolicy>> build) : IAppliedTableObserver
    where TPolicy : class
{
    private readonly ConditionalWeakTable<PolicyDefinitions, IReadOnlyDictionary<string, TPolicy>> _built = new();
    private volatile IReadOnlyDictionary<string, TPolicy> _applied = new Dictionary<string, TPolicy>();

    public void Applying(RoutingTable table) => _applied = Built(table.Policies);

    /// <summary>The policy named <paramref name="name"/> in the table being validated, else in the applied table; null when neither has it.</summary>
    public TPolicy? Find(string name) =>
        (TableBeingValidated.Current is { } candidate ? Built(candidate.Policies) : _applied).GetValueOrDefault(name);

    private IReadOnlyDictionary<string, TPolicy> Built(PolicyDefinitions policies) => _built.GetValue(policies, p => build(p));
}
