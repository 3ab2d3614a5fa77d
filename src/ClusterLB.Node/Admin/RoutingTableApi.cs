using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Admin.Access;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>
/// Changes to the routing table on the admin listener. Each change goes to the one writer, which
/// validates, persists and replicates it; the answer carries the new version, or the fields at fault.
/// Any node accepts changes; none needs the writer to serve traffic.
/// </summary>
public static class RoutingTableApi
{
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Admin input is strict: a misspelled field is an error, not silently dropped.</summary>
    private static readonly JsonSerializerOptions StrictJson = new(RoutingTableJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 16, // the deepest admin document (a cluster's health check) is 5 levels
    };

    /// <summary>Maps the routing-table endpoints.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        var state = node.GetRequiredService<NodeState>();
        IActorRef Writer() => node.GetRequiredService<ActorRegistry>().Get<RoutingTableWriterProxy>();

        admin.MapGet("/admin/routing-table", (HttpContext context) => state.AppliedTable is { } table
            ? WithETag(context, table.Version, Results.Text(RoutingTableJson.Canonical(table), "application/json"))
            : AdminProblems.NoTableYet())
            .WithSummary("The routing table this node runs, with its version as ETag")
            .Produces<RoutingTable>()
            .Refuses(StatusCodes.Status503ServiceUnavailable);

        admin.MapGet("/admin/policies", () => state.AppliedTable is { } table
            ? Results.Text(JsonSerializer.Serialize(table.Policies, RoutingTableJson.Options), "application/json")
            : AdminProblems.NoTableYet())
            .WithSummary("The routing table's named policies")
            .Produces<PolicyDefinitions>()
            .Refuses(StatusCodes.Status503ServiceUnavailable);
        admin.MapPut("/admin/policies", (HttpRequest request) => WithBody<PolicyDefinitions>(request, policies => new SetPolicies(policies), Writer()))
            .TableChange<PolicyDefinitions>("Replaces the named policies");

        admin.MapPost("/admin/routes/{id}", (string id, HttpRequest request) =>
            WithBody<RouteDefinition>(request, route => new SetRoute(route with { RouteId = id }, CreateOnly: true), Writer()))
            .TableChange<RouteDefinition>("Creates a route; 409 when it exists");
        admin.MapPut("/admin/routes/{id}", (string id, HttpRequest request) =>
            WithBody<RouteDefinition>(request, route => new SetRoute(route with { RouteId = id }, CreateOnly: false), Writer()))
            .TableChange<RouteDefinition>("Creates or replaces a route");
        admin.MapDelete("/admin/routes/{id}", (string id, HttpContext context) => Send(new RemoveRoute(id), Writer(), context))
            .TableChange<AdminOpenApi.NoBody>("Removes a route");

        admin.MapPost("/admin/clusters/{id}", (string id, HttpRequest request) =>
            WithBody<ClusterDefinition>(request, cluster => new SetCluster(cluster with { ClusterId = id }, CreateOnly: true), Writer()))
            .TableChange<ClusterDefinition>("Creates a cluster; 409 when it exists");
        admin.MapPut("/admin/clusters/{id}", (string id, HttpRequest request) =>
            WithBody<ClusterDefinition>(request, cluster => new SetCluster(cluster with { ClusterId = id }, CreateOnly: false), Writer()))
            .TableChange<ClusterDefinition>("Creates or replaces a cluster");
        admin.MapDelete("/admin/clusters/{id}", (string id, HttpContext context) => Send(new RemoveCluster(id), Writer(), context))
            .TableChange<AdminOpenApi.NoBody>("Removes a cluster; 409 while a route names it");

        admin.MapPost("/admin/clusters/{id}/destinations/{destinationId}", (string id, string destinationId, HttpRequest request) =>
            WithBody<DestinationDefinition>(request, d => new SetDestination(id, destinationId, d, CreateOnly: true), Writer()))
            .TableChange<DestinationDefinition>("Adds a destination to a cluster; 409 when it exists");
        admin.MapPut("/admin/clusters/{id}/destinations/{destinationId}", (string id, string destinationId, HttpRequest request) =>
            WithBody<DestinationDefinition>(request, d => new SetDestination(id, destinationId, d, CreateOnly: false), Writer()))
            .TableChange<DestinationDefinition>("Adds or replaces a destination of a cluster");
        admin.MapDelete("/admin/clusters/{id}/destinations/{destinationId}", (string id, string destinationId, HttpContext context) =>
            Send(new RemoveDestination(id, destinationId), Writer(), context))
            .TableChange<AdminOpenApi.NoBody>("Removes a destination from a cluster");
    }

    /// <summary>
    /// Reads a strict JSON <typeparamref name="T"/> and sends the command built from it; when
    /// <paramref name="command"/> builds none, answers 400 naming <paramref name="field"/> with <paramref name="missing"/>.
    /// </summary>
    internal static async Task<IResult> WithBody<T>(
        HttpRequest request, Func<T, RoutingTableCommand?> command, IActorRef writer, string field = "body", string missing = "a JSON object is required")
        where T : class
    {
        var (body, unreadable) = await ReadStrictAsync<T>(request);
        return unreadable ?? (body is null
            ? AdminProblems.Refused(StatusCodes.Status400BadRequest, [new ValidationError("body", "a JSON object is required")])
            : command(body) is { } built
                ? await Send(built, writer, request.HttpContext)
                : AdminProblems.Refused(StatusCodes.Status400BadRequest, [new ValidationError(field, missing)]));
    }

    /// <summary>Reads a strict JSON <typeparamref name="T"/>: the body, or the problem that names what is wrong with it.</summary>
    internal static async Task<(T? Body, IResult? Problem)> ReadStrictAsync<T>(HttpRequest request)
        where T : class
    {
        try
        {
            return (await JsonSerializer.DeserializeAsync<T>(request.Body, StrictJson, request.HttpContext.RequestAborted), null);
        }
        catch (Exception e) when (AdminProblems.UnreadableBody(e) is { } problem)
        {
            return (null, problem);
        }
    }

    /// <summary>
    /// Sends <paramref name="command"/> to the writer, on behalf of the request's token and on the version its
    /// <c>If-Match</c> names, and answers with the outcome and the table's version as <c>ETag</c>.
    /// </summary>
    internal static async Task<IResult> Send(RoutingTableCommand command, IActorRef writer, HttpContext context)
    {
        if (!TableVersion.TryReadIfMatch(context.Request, out var ifVersion))
        {
            return AdminProblems.Refused(StatusCodes.Status400BadRequest, [new ValidationError("If-Match", TableVersion.IfMatchFormat)]);
        }

        object answer;
        try
        {
            answer = await writer.Ask<object>(command with { By = AdminGuard.TokenName(context), IfVersion = ifVersion }, WriterTimeout);
        }
        catch (AskTimeoutException)
        {
            return AdminProblems.Failed(StatusCodes.Status503ServiceUnavailable,
                $"the routing-table writer did not answer within {WriterTimeout.TotalSeconds:0}s (no majority, or moving to another node); the change may not have been applied: read /admin/routing-table and retry");
        }

        if (answer is RoutingTableChangeRejected { Version: { } unchanged })
        {
            context.Response.Headers.ETag = TableVersion.ETag(unchanged);
        }

        return answer switch
        {
            RoutingTableChangeAccepted accepted => WithETag(context, accepted.Version, Results.Json(new TableChanged(accepted.Version))),
            RoutingTableChangeRejected { Reason: RejectionReason.VersionMismatch, Version: { } current } rejected => AdminProblems.Refused(
                StatusCodes.Status412PreconditionFailed, rejected.Errors, $"the routing table is at version {current}, not {ifVersion} (If-Match)", current),
            RoutingTableChangeRejected { Reason: RejectionReason.NotFound } rejected => AdminProblems.Refused(StatusCodes.Status404NotFound, rejected.Errors),
            RoutingTableChangeRejected { Reason: RejectionReason.Conflict } rejected => AdminProblems.Refused(StatusCodes.Status409Conflict, rejected.Errors),
            RoutingTableChangeRejected { Reason: RejectionReason.JournalUnavailable } rejected => AdminProblems.Failed(StatusCodes.Status503ServiceUnavailable,
                "journal unavailable: " + string.Join("; ", rejected.Errors.Select(e => e.Message)) + "; nothing was changed: retry when the journal is back (see /admin/status)"),
            RoutingTableChangeRejected rejected => AdminProblems.Refused(StatusCodes.Status400BadRequest, rejected.Errors),
            _ => throw new InvalidOperationException($"the routing-table writer answered {answer.GetType().Name}"),
        };
    }

    /// <summary>The answer to an accepted change: the routing table's new version.</summary>
    public sealed record TableChanged(long Version);

    /// <summary>Gives <paramref name="result"/> the table's <paramref name="version"/> as its <c>ETag</c>.</summary>
    internal static IResult WithETag(HttpContext context, long version, IResult result)
    {
        context.Response.Headers.ETag = TableVersion.ETag(version);
        return result;
    }
}
