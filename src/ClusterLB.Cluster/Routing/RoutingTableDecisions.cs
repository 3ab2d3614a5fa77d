using ClusterLB.Core.Routing;

namespace ClusterLB.Cluster.Routing;

/// <summary>Checks a routing table before the writer persists it.</summary>
public interface IRoutingTableValidator
{
    /// <summary>Every error in <paramref name="table"/>; empty when it can be persisted and applied.</summary>
    IReadOnlyList<ValidationError> Validate(RoutingTable table);
}

/// <summary>The pure checks of <see cref="RoutingTableValidator"/>; nodes add YARP's own.</summary>
public sealed class CoreRoutingTableValidator : IRoutingTableValidator
{
    /// <summary>The one instance.</summary>
    public static CoreRoutingTableValidator Instance { get; } = new();

    /// <inheritdoc />
    public IReadOnlyList<ValidationError> Validate(RoutingTable table) => RoutingTableValidator.Validate(table);
}

/// <summary>
/// Turns a command into the event it stands for, or the reason it cannot. Pure: the writer only
/// sequences persistence around it.
/// </summary>
public static class RoutingTableDecisions
{
    /// <summary>The event for <paramref name="command"/> on <paramref name="table"/>, validated as the table it would produce.</summary>
    public static (IRoutingTableEvent? Event, RoutingTableChangeRejected? Rejection) Decide(
        RoutingTable table, IRoutingTableCommand command, DateTimeOffset now, IRoutingTableValidator validator)
    {
        if (command.IfVersion is { } expected && expected != table.Version)
        {
            return (null, new RoutingTableChangeRejected(
                RejectionReason.VersionMismatch, [new ValidationError("If-Match", $"the change was based on v{expected}; the table is now v{table.Version}")], table.Version));
        }

        var (change, rejection) = ToEvent(table, command, now);
        if (rejection is not null)
        {
            return (null, rejection);
        }

        var errors = validator.Validate(table.Apply(change!));
        return errors.Count > 0 ? (null, new RoutingTableChangeRejected(RejectionReason.Invalid, errors)) : (change, null);
    }

    private static (IRoutingTableEvent?, RoutingTableChangeRejected?) ToEvent(RoutingTable table, IRoutingTableCommand command, DateTimeOffset now) =>
        command switch
        {
            ImportRoutingTable import => (RoutingTableImported.Of(import.Table, import.Source, now, command.By), null),
            SetRoute { CreateOnly: true } set when table.Routes.ContainsKey(set.Route.RouteId) =>
                Reject(RejectionReason.Conflict, $"Routes:{set.Route.RouteId}", "already exists"),
            SetRoute set => (new RouteSet(set.Route, now, command.By), null),
            RemoveRoute remove when !table.Routes.ContainsKey(remove.RouteId) =>
                Reject(RejectionReason.NotFound, $"Routes:{remove.RouteId}", "does not exist"),
            RemoveRoute remove => (new RouteRemoved(remove.RouteId, now, command.By), null),
            SetCluster { CreateOnly: true } set when table.Clusters.ContainsKey(set.Cluster.ClusterId) =>
                Reject(RejectionReason.Conflict, $"Clusters:{set.Cluster.ClusterId}", "already exists"),
            SetCluster set => (new ClusterSet(set.Cluster, now, command.By), null),
            RemoveCluster remove when !table.Clusters.ContainsKey(remove.ClusterId) =>
                Reject(RejectionReason.NotFound, $"Clusters:{remove.ClusterId}", "does not exist"),
            RemoveCluster remove => (new ClusterRemoved(remove.ClusterId, now, command.By), null),
            SetDestination set when !table.Clusters.ContainsKey(set.ClusterId) =>
                Reject(RejectionReason.NotFound, $"Clusters:{set.ClusterId}", "does not exist"),
            SetDestination { CreateOnly: true } set when table.Clusters[set.ClusterId].Destinations.ContainsKey(set.DestinationId) =>
                Reject(RejectionReason.Conflict, $"Clusters:{set.ClusterId}:Destinations:{set.DestinationId}", "already exists"),
            SetDestination set => (new DestinationSet(set.ClusterId, set.DestinationId, set.Destination, now, command.By), null),
            RemoveDestination remove when !table.Clusters.TryGetValue(remove.ClusterId, out var cluster) || !cluster.Destinations.ContainsKey(remove.DestinationId) =>
                Reject(RejectionReason.NotFound, $"Clusters:{remove.ClusterId}:Destinations:{remove.DestinationId}", "does not exist"),
            RemoveDestination remove => (new DestinationRemoved(remove.ClusterId, remove.DestinationId, now, command.By), null),
            SetDestinationAdmin admin when !table.Clusters.TryGetValue(admin.ClusterId, out var cluster) || !cluster.Destinations.ContainsKey(admin.DestinationId) =>
                Reject(RejectionReason.NotFound, $"Clusters:{admin.ClusterId}:Destinations:{admin.DestinationId}", "does not exist"),
            SetDestinationAdmin admin => (new DestinationAdminSet(admin.ClusterId, admin.DestinationId, admin.State, admin.Weight, now, command.By), null),
            SetPolicies set => (new PoliciesSet(set.Policies, now, command.By), null),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown routing-table command."),
        };

    private static (IRoutingTableEvent?, RoutingTableChangeRejected?) Reject(RejectionReason reason, string field, string message) =>
        (null, new RoutingTableChangeRejected(reason, [new ValidationError(field, message)]));
}
