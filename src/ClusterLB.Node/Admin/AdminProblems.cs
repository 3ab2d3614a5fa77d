using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ClusterLB.Node.Admin;

/// <summary>
/// Every error the admin listener answers is an RFC 9457 problem (<c>application/problem+json</c>) with
/// <c>type</c>, <c>title</c>, <c>status</c> and <c>detail</c>; a refusal of fields adds <c>errors</c>
/// (<c>[{field,message}]</c>) and a failed <c>If-Match</c> the table's <c>version</c>. Handlers, the guard,
/// unmatched paths and unhandled exceptions all answer through here.
/// </summary>
public static partial class AdminProblems
{
    /// <summary>The media type of every error answer.</summary>
    public const string MediaType = "application/problem+json";

    /// <summary>A refusal naming the <paramref name="errors"/> at fault; <paramref name="detail"/> defaults to them in one line.</summary>
    internal static ProblemHttpResult Refused(int status, IReadOnlyList<ValidationError> errors, string? detail = null, long? version = null) =>
        TypedResults.Problem(new AdminProblem
        {
            Status = status,
            Detail = detail ?? string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")),
            Errors = errors.Select(e => new FieldError(e.Field, e.Message)).ToList(),
            Version = version,
        });

    /// <summary>An error that concerns no field: the listener's state, the token, the request as a whole.</summary>
    internal static ProblemHttpResult Failed(int status, string detail) => TypedResults.Problem(new AdminProblem { Status = status, Detail = detail });

    /// <summary>A read of the routing table before this node has one (503).</summary>
    internal static ProblemHttpResult NoTableYet() =>
        Failed(StatusCodes.Status503ServiceUnavailable, "no routing table applied yet: the node is starting or has not reached the cluster (see /admin/status)");

    /// <summary>Answers <paramref name="problem"/> from middleware, where there is no endpoint to return a result.</summary>
    internal static Task WriteAsync(HttpContext context, ProblemHttpResult problem) => problem.ExecuteAsync(context);

    /// <summary>
    /// The fields at fault in a body that could not be read: malformed JSON, a value of the wrong type or an
    /// unknown field (named once, by its path, with the closest known field), or a body over the size cap (413).
    /// Null when <paramref name="exception"/> is not about the body.
    /// </summary>
    internal static ProblemHttpResult? UnreadableBody(Exception exception) => exception switch
    {
        JsonException e => Refused(StatusCodes.Status400BadRequest, [UnmappedField(e) ?? new ValidationError(e.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "body", FirstSentence(e.Message))]),
        BadHttpRequestException e => Refused(e.StatusCode, [new ValidationError("body", e.Message)]),
        _ => null,
    };

    /// <summary>
    /// Fills in what ASP.NET Core leaves open: a <c>detail</c> for a parameter it could not bind (400), an
    /// unmatched path (404), a method the path does not take (405) and an unhandled exception (500, logged
    /// with <paramref name="logger"/>; the answer names no exception and shows no stack).
    /// </summary>
    public static void Configure(ProblemDetailsOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var request = context.HttpContext.Request;
            if (context.Exception is BadHttpRequestException badRequest)
            {
                problem.Detail = badRequest.Message; // the server's own words about the request, e.g. a body cut short
            }
            else if (context.Exception is { } exception)
            {
                Log.UnhandledException(logger, exception, request.Method, request.Path);
                problem.Detail = $"the admin listener failed to answer {request.Method} {request.Path}; the node's log has the cause";
            }

            problem.Detail ??= problem.Status switch
            {
                StatusCodes.Status400BadRequest => "a path or query parameter is not valid; /admin/openapi.json gives their types",
                StatusCodes.Status404NotFound => $"{request.Path} is not an admin endpoint; /admin/openapi.json lists them",
                StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not take {request.Method}; /admin/openapi.json lists its methods",
                _ => problem.Title,
            };
            problem.Extensions.Remove("exception"); // only the developer exception page adds one; never on this listener
        };
    }

    /// <summary>The status of an exception no handler caught: a request the server could not read is the client's error.</summary>
    public static int StatusOf(Exception exception) =>
        exception is BadHttpRequestException badRequest ? badRequest.StatusCode : StatusCodes.Status500InternalServerError;

    /// <summary>The problem document of the admin API, as the OpenAPI document describes it.</summary>
    public sealed class AdminProblem : ProblemDetails
    {
        /// <summary>The fields at fault, each with why; absent when the error concerns no field.</summary>
        [JsonPropertyName("errors")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<FieldError>? Errors { get; init; }

        /// <summary>On a failed <c>If-Match</c> (412): the routing table's current version.</summary>
        [JsonPropertyName("version")]
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public long? Version { get; init; }
    }

    /// <summary>One field at fault: its path in the request (or the header's name) and why.</summary>
    public sealed record FieldError(string Field, string Message);

    // System.Text.Json names the property and its CLR type; say it in the schema's terms instead.
    private static ValidationError? UnmappedField(JsonException e)
    {
        var match = UnmappedMessage().Match(e.Message);
        if (!match.Success || FindType(match.Groups["type"].Value) is not { } type)
        {
            return null;
        }

        // The exception's path already ends with the unknown field: "$.match.colour".
        var name = match.Groups["name"].Value;
        var at = e.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "";
        var field = at.Length == 0 ? name : at == name || at.EndsWith("." + name, StringComparison.Ordinal) || at.EndsWith($"['{name}']", StringComparison.Ordinal) ? at : $"{at}.{name}";
        return new ValidationError(field, UnknownFields.Describe(name, UnknownFields.Properties(type).Keys));
    }

    private static Type? FindType(string name) => typeof(RoutingTable).Assembly.GetType(name) ?? typeof(AdminProblems).Assembly.GetType(name);

    private static string FirstSentence(string message) => message.Split(". Path:")[0];

    [GeneratedRegex("The JSON property '(?<name>[^']*)' could not be mapped to any .NET member contained in type '(?<type>[^']*)'")]
    private static partial Regex UnmappedMessage();

    private static partial class Log
    {
        [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "Admin request {Method} {Path} failed")]
        public static partial void UnhandledException(ILogger logger, Exception exception, string method, string path);
    }
}
