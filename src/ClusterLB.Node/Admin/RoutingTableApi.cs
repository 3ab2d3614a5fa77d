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
            : Results.Text("no routing table applied yet\n", statusCode: StatusCodes.Status503ServiceUnavailable));

        admin.MapGet("/admin/policies", () => state.AppliedTable is { } table
            ? Results.Text(JsonSerializer.Serialize(table.Policies, RoutingTableJson.Options), "application/json")
            : Results.Text("no routing table applied yet\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        admin.MapPut("/admin/policies", (HttpRequest request) => WithBody<PolicyDefinitions>(request, policies => new SetPolicies(policies), Writer()));

        admin.MapPost("/admin/routes/{id}", (string id, HttpRequest request) =>
            WithBody<RouteDefinition>(request, route => new SetRoute(route with { RouteId = id }, CreateOnly: true), Writer()));
        admin.MapPut("/admin/routes/{id}", (string id, HttpRequest request) =>
            WithBody<RouteDefinition>(request, route => new SetRoute(route with { RouteId = id }, CreateOnly: false), Writer()));
        admin.MapDelete("/admin/routes/{id}", (string id, HttpContext context) => Send(new RemoveRoute(id), Writer(), context));

        admin.MapPost("/admin/clusters/{id}", (string id, HttpRequest request) =>
            WithBody<ClusterDefinition>(request, cluster => new SetCluster(cluster with { ClusterId = id }, CreateOnly: true), Writer()));
        admin.MapPut("/admin/clusters/{id}", (string id, HttpRequest request) =>
            WithBody<ClusterDefinition>(request, cluster => new SetCluster(cluster with { ClusterId = id }, CreateOnly: false), Writer()));
        admin.MapDelete("/admin/clusters/{id}", (string id, HttpContext context) => Send(new RemoveCluster(id), Writer(), context));

        admin.MapPost("/admin/clusters/{id}/destinations/{destinationId}", (string id, string destinationId, HttpRequest request) =>
            WithBody<DestinationDefinition>(request, d => new SetDestination(id, destinationId, d, CreateOnly: true), Writer()));
        admin.MapPut("/admin/clusters/{id}/destinations/{destinationId}", (string id, string destinationId, HttpRequest request) =>
            WithBody<DestinationDefinition>(request, d => new SetDestination(id, destinationId, d, CreateOnly: false), Writer()));
        admin.MapDelete("/admin/clusters/{id}/destinations/{destinationId}", (string id, string destinationId, HttpContext context) =>
            Send(new RemoveDestination(id, destinationId), Writer(), context));
    }

    /// <summary>
    /// Reads a strict JSON <typeparamref name="T"/> and sends the command built from it; when
    /// <paramref name="command"/> builds none, answers 400 naming <paramref name="field"/> with <paramref name="missing"/>.
    /// </summary>
    internal static async Task<IResult> WithBody<T>(
        HttpRequest request, Func<T, RoutingTableCommand?> command, IActorRef writer, string field = "body", string missing = "a JSON object is required")
        where T : class
    {
        T? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<T>(request.Body, StrictJson, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return Rejected(StatusCodes.Status400BadRequest, [UnmappedField(e) ?? new ValidationError(e.Path is { Length: > 0 } path ? path : "body", FirstSentence(e.Message))]);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Rejected(StatusCodes.Status413PayloadTooLarge, [new ValidationError("body", e.Message)]);
        }

        return body is null
            ? Rejected(StatusCodes.Status400BadRequest, [new ValidationError("body", "a JSON object is required")])
            : command(body) is { } built
                ? await Send(built, writer, request.HttpContext)
                : Rejected(StatusCodes.Status400BadRequest, [new ValidationError(field, missing)]);
    }

    /// <summary>
    /// Sends <paramref name="command"/> to the writer, on behalf of the request's token and on the version its
    /// <c>If-Match</c> names, and answers with the outcome and the table's version as <c>ETag</c>.
    /// </summary>
    internal static async Task<IResult> Send(RoutingTableCommand command, IActorRef writer, HttpContext context)
    {
        if (!TableVersion.TryReadIfMatch(context.Request, out var ifVersion))
        {
            return Rejected(StatusCodes.Status400BadRequest, [new ValidationError("If-Match", TableVersion.IfMatchFormat)]);
        }

        object answer;
        try
        {
            answer = await writer.Ask<object>(command with { By = AdminGuard.TokenName(context), IfVersion = ifVersion }, WriterTimeout);
        }
        catch (AskTimeoutException)
        {
            return Results.Json(
                new { error = $"the routing-table writer did not answer within {WriterTimeout.TotalSeconds:0}s (no majority, or moving to another node); the change may not have been applied: read /admin/routing-table and retry" },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (answer is RoutingTableChangeRejected { Version: { } unchanged })
        {
            context.Response.Headers.ETag = TableVersion.ETag(unchanged);
        }

        return answer switch
        {
            RoutingTableChangeAccepted accepted => WithETag(context, accepted.Version, Results.Json(new { version = accepted.Version })),
            RoutingTableChangeRejected { Reason: RejectionReason.VersionMismatch, Version: { } current } rejected => Results.Json(
                new { errors = ErrorList(rejected.Errors), version = current }, statusCode: StatusCodes.Status412PreconditionFailed),
            RoutingTableChangeRejected { Reason: RejectionReason.NotFound } rejected => Rejected(StatusCodes.Status404NotFound, rejected.Errors),
            RoutingTableChangeRejected { Reason: RejectionReason.Conflict } rejected => Rejected(StatusCodes.Status409Conflict, rejected.Errors),
            RoutingTableChangeRejected { Reason: RejectionReason.JournalUnavailable } rejected => Results.Json(
                new { error = "journal unavailable: " + string.Join("; ", rejected.Errors.Select(e => e.Message)) + "; nothing was changed: retry when the journal is back (see /admin/status)" },
                statusCode: StatusCodes.Status503ServiceUnavailable),
            RoutingTableChangeRejected rejected => Rejected(StatusCodes.Status400BadRequest, rejected.Errors),
            _ => Results.StatusCode(StatusCodes.Status500InternalServerError),
        };
    }

    /// <summary>The admin API's error answer: <c>{"errors":[{field,message}]}</c>.</summary>
    internal static IResult Rejected(int status, IReadOnlyList<ValidationError> errors) =>
        Results.Json(new { errors = ErrorList(errors) }, statusCode: status);

    /// <summary>Gives <paramref name="result"/> the table's <paramref name="version"/> as its <c>ETag</c>.</summary>
    internal static IResult WithETag(HttpContext context, long version, IResult result)
    {
        context.Response.Headers.ETag = TableVersion.ETag(version);
        return result;
    }

    private static IEnumerable<object> ErrorList(IReadOnlyList<ValidationError> errors) => errors.Select(e => new { field = e.Field, message = e.Message });

    // System.Text.Json names the property and its CLR type; say it in the schema's terms instead.
    private static ValidationError? UnmappedField(JsonException e)
    {
        var match = System.Text.RegularExpressions.Regex.Match(e.Message, "The JSON property '(?<name>[^']*)' could not be mapped to any .NET member contained in type '(?<type>[^']*)'");
        if (!match.Success || typeof(RoutingTable).Assembly.GetType(match.Groups["type"].Value) is not { } type)
        {
            return null;
        }

        var name = match.Groups["name"].Value;
        var at = e.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "";
        return new ValidationError(at.Length > 0 ? $"{at}.{name}" : name, UnknownFields.Describe(name, UnknownFields.Properties(type).Keys));
    }

    private static string FirstSentence(string message) => message.Split(". Path:")[0];
}
