using ClusterLB.Node.Observability;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ClusterLB.Node.Admin;

/// <summary>
/// The admin API's OpenAPI document, built by ASP.NET Core from the mapped endpoints and served at
/// <see cref="DocumentPath"/> behind the admin token like every other admin path. Endpoints declare their
/// summary, body, answer and own refusals; what the admin guard refuses (401, 403, 413, 415) and the
/// bearer scheme are added here, once for all, so an endpoint mapped later is described the same way.
/// </summary>
public static class AdminOpenApi
{
    /// <summary>Where the document is served on the admin listener.</summary>
    public const string DocumentPath = "/admin/openapi.json";

    private const string BearerScheme = "Bearer";

    /// <summary>Registers the document's generator on the admin listener's services.</summary>
    public static IServiceCollection AddAdminOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, context, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "ClusterLB admin API",
                Version = "v1",
                Description = "Reads and changes a ClusterLB cluster's replicated routing table through any node. "
                    + $"Every error is an RFC 9457 problem ({AdminProblems.MediaType}).",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An admin token from ClusterLB:Admin:Tokens (role read or write), or the generated token file.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] }];
            if (context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
                .Any(e => e.RoutePattern.RawText == NodeTelemetry.MetricsPath))
            {
                AddMetrics(document);
            }

            return Task.CompletedTask;
        });
        options.AddOperationTransformer(async (operation, context, cancellation) =>
        {
            var method = context.Description.HttpMethod ?? "GET";
            var changes = !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);
            var problem = await context.GetOrCreateSchemaAsync(typeof(AdminProblems.AdminProblem), null, cancellation);
            operation.Responses ??= [];
            void Refusal(int status, string description) =>
                operation.Responses.TryAdd(status.ToString(System.Globalization.CultureInfo.InvariantCulture), new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { [AdminProblems.MediaType] = new() { Schema = problem } },
                });

            Refusal(StatusCodes.Status400BadRequest, "Bad request: the Host is not a name of this listener, or the input is not valid");
            Refusal(StatusCodes.Status401Unauthorized, "No admin token, or one that is not valid");
            Refusal(StatusCodes.Status500InternalServerError, "The listener failed; the node's log has the cause");
            if (changes)
            {
                Refusal(StatusCodes.Status403Forbidden, "The token may only read");
                Refusal(StatusCodes.Status413PayloadTooLarge, "The body is over ClusterLB:Admin:MaxRequestBodySize");
                Refusal(StatusCodes.Status415UnsupportedMediaType, "The body is not application/json");
            }

            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<VersionedChange>().Any())
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "If-Match",
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Apply the change only if the routing table is still at this version, e.g. \"12\" (its ETag); else 412",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }
        });
    });

    /// <summary>Serves the document.</summary>
    public static void MapAdminOpenApi(this WebApplication admin) => admin.MapOpenApi(DocumentPath);

    /// <summary>Declares <paramref name="statuses"/> as problem answers of the endpoint.</summary>
    internal static RouteHandlerBuilder Refuses(this RouteHandlerBuilder endpoint, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            endpoint.Produces<AdminProblems.AdminProblem>(status, AdminProblems.MediaType);
        }

        return endpoint;
    }

    /// <summary>
    /// Declares a routing-table change: its body (none when <typeparamref name="TBody"/> is <see cref="NoBody"/>), the new
    /// version it answers, <c>If-Match</c>, and the writer's refusals.
    /// </summary>
    internal static RouteHandlerBuilder TableChange<TBody>(this RouteHandlerBuilder endpoint, string summary)
        where TBody : notnull
    {
        if (typeof(TBody) != typeof(NoBody))
        {
            endpoint.Accepts<TBody>("application/json");
        }

        return endpoint.WithSummary(summary)
            .WithMetadata(VersionedChange.Instance)
            .Produces<RoutingTableApi.TableChanged>()
            .Refuses(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict,
                StatusCodes.Status412PreconditionFailed, StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Prometheus' scrape endpoint answers any method; it is described as the GET a scraper sends.</summary>
    private static void AddMetrics(OpenApiDocument document)
    {
        document.Paths ??= [];
        document.Paths.TryAdd(NodeTelemetry.MetricsPath, new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    Summary = "The node's metrics in Prometheus' text format",
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "OK",
                            Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                        },
                    },
                },
            },
        });
    }

    /// <summary>No body: a change named by its path alone.</summary>
    internal sealed class NoBody;

    /// <summary>Marks an endpoint whose change takes <c>If-Match</c>.</summary>
    private sealed class VersionedChange
    {
        public static VersionedChange Instance { get; } = new();
    }
}
