using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace ClusterLB.Node.Tests.Admin;

public sealed class OpenApiDocumentTests
{
    [Fact]
    public async Task The_document_describes_every_endpoint_the_admin_listener_maps_with_summary_parameters_answer_and_problems()
    {
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", "http://127.0.0.1:9/")));
        var document = await DocumentAsync(node);
        var paths = document.GetProperty("paths");

        var described = 0;
        foreach (var endpoint in node.Node.AdminEndpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText!;
            if (pattern.StartsWith("/healthz", StringComparison.Ordinal) || pattern == AdminOpenApi.DocumentPath)
            {
                continue;
            }

            if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            {
                // The dashboard's pages: for a browser, and not in the document.
                Assert.StartsWith("/", pattern);
                Assert.False(paths.TryGetProperty(pattern, out _), $"{pattern} is left out of the description but in the document");
                Assert.True(pattern == "/" || pattern.StartsWith("/dashboard", StringComparison.Ordinal), $"{pattern} is left out of the admin API's description");
                continue;
            }

            // The document names a parameter without its constraint: {a:long} is {a}.
            var path = Regex.Replace(pattern, "{([^:}]+)(:[^}]*)?}", "{$1}");
            Assert.True(paths.TryGetProperty(path, out var item), $"{pattern} is mapped on the admin listener but not in the document");
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]; // any method: described as the GET
            foreach (var method in methods)
            {
                Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {pattern} is mapped but not in the document");
                var what = $"{method} {pattern}";
                Assert.False(string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var summary) ? summary.GetString() : null), $"{what} has no summary");

                foreach (var parameter in endpoint.RoutePattern.Parameters)
                {
                    Assert.True(
                        operation.TryGetProperty("parameters", out var parameters)
                            && parameters.EnumerateArray().Any(p => p.GetProperty("name").GetString() == parameter.Name && p.GetProperty("in").GetString() == "path"),
                        $"{what} does not declare its path parameter {parameter.Name}");
                }

                var responses = operation.GetProperty("responses").EnumerateObject().ToList();
                Assert.True(responses.Any(r => r.Name.StartsWith('2') && r.Value.TryGetProperty("content", out _)), $"{what} declares no successful answer with a body");
                if (path != NodeTelemetryPath)
                {
                    foreach (var status in (string[])["401", "500", .. HttpMethods.IsGet(method) ? [] : (string[])["403", "413", "415"]])
                    {
                        var refusal = responses.SingleOrDefault(r => r.Name == status);
                        Assert.True(refusal.Value.ValueKind == JsonValueKind.Object, $"{what} does not declare {status}");
                        Assert.True(refusal.Value.GetProperty("content").TryGetProperty(AdminProblems.MediaType, out _), $"{what}: {status} is not a problem");
                    }
                }

                described++;
            }
        }

        Assert.True(described >= 25, $"only {described} operations were checked: is the admin listener's endpoint list read?");
    }

    [Fact]
    public async Task The_document_is_valid_OpenAPI_with_the_bearer_scheme_and_the_admin_schemas()
    {
        await using var node = await TestNode.StartAsync(new RouteSettings().Route("a", "/a", "one").Cluster("one", ("alpha", "http://127.0.0.1:9/")));
        using var anonymous = node.AdminClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(AdminOpenApi.DocumentPath)).StatusCode);
        var text = await node.AdminClient(TestNode.ReadToken).GetStringAsync(AdminOpenApi.DocumentPath);

        var read = OpenApiDocument.Parse(text, "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.NotNull(read.Document);
        Assert.Empty(read.Document.Validate(Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet()) ?? []);

        var document = JsonSerializer.Deserialize<JsonElement>(text);
        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        Assert.True(document.GetProperty("security")[0].TryGetProperty("Bearer", out _));

        var putRoute = document.GetProperty("paths").GetProperty("/admin/routes/{id}").GetProperty("put");
        var route = Resolve(document, putRoute.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Subset(Properties(route), new HashSet<string> { "clusterId", "match", "order", "metadata" });
        Assert.Subset(Properties(Resolve(document, route.GetProperty("properties").GetProperty("match"))), new HashSet<string> { "path", "hosts", "methods", "headers" });
        Assert.Contains(putRoute.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match" && p.GetProperty("in").GetString() == "header");
        var changed = Resolve(document, putRoute.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Equal(["version"], Properties(changed));

        var problem = Resolve(document, putRoute.GetProperty("responses").GetProperty("412").GetProperty("content").GetProperty(AdminProblems.MediaType).GetProperty("schema"));
        Assert.Subset(Properties(problem), new HashSet<string> { "type", "title", "status", "detail", "errors", "version" });
        var fieldError = Resolve(document, problem.GetProperty("properties").GetProperty("errors").GetProperty("items"));
        Assert.Equal(["field", "message"], Properties(fieldError).Order());

        var history = Resolve(document, document.GetProperty("paths").GetProperty("/admin/history").GetProperty("get")
            .GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Equal(["entries", "next", "version"], Properties(history).Order());
        var entry = Resolve(document, history.GetProperty("properties").GetProperty("entries").GetProperty("items"));
        Assert.Equal(["at", "by", "summary", "version"], Properties(entry).Order());
        Assert.Equal("date-time", entry.GetProperty("properties").GetProperty("at").GetProperty("format").GetString());
        Assert.Contains("integer", entry.GetProperty("properties").GetProperty("version").GetProperty("type").ToString());

        var parameters = document.GetProperty("paths").GetProperty("/admin/history").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Select(p => (p.GetProperty("name").GetString(), p.GetProperty("in").GetString()));
        Assert.Equal([("from", "query"), ("limit", "query")], parameters.Order());
    }

    private const string NodeTelemetryPath = ClusterLB.Node.Observability.NodeTelemetry.MetricsPath;

    private static async Task<JsonElement> DocumentAsync(TestNode node)
    {
        using var response = await node.Admin.GetAsync(AdminOpenApi.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The schema <paramref name="schema"/> is or refers to.</summary>
    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..]);
        }

        return schema;
    }

    private static HashSet<string> Properties(JsonElement schema) =>
        schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
}
