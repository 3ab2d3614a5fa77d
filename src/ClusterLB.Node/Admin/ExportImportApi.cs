using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>
/// The whole routing table as a configuration document: routes and clusters as YARP's <c>ReverseProxy</c>
/// section, named policies as <c>ClusterLB:Policies</c>, ready to paste into appsettings.json. An import takes
/// the same document and applies it as one version, validated as a whole like any change.
/// </summary>
public static class ExportImportApi
{
    /// <summary>The key of ClusterLB's own part of the document, as in appsettings.json.</summary>
    public const string ClusterLBKey = "ClusterLB";

    /// <summary>The source of an import made through the admin API, as the history shows it.</summary>
    public const string ImportSource = "import";

    // appsettings.json spells keys as YARP does (PascalCase); reading is case-insensitive either way.
    private static readonly JsonSerializerOptions DocumentJson = new(RoutingTableJson.Options)
    {
        PropertyNamingPolicy = null,
        WriteIndented = true,
    };

    /// <summary>Maps the export and import endpoints.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        var state = node.GetRequiredService<NodeState>();
        IActorRef Writer() => node.GetRequiredService<ActorRegistry>().Get<RoutingTableWriterProxy>();

        admin.MapGet("/admin/export", (HttpContext context) => state.AppliedTable is { } table
            ? RoutingTableApi.WithETag(context, table.Version, Results.Text(Export(table), "application/json"))
            : AdminProblems.NoTableYet())
            .WithSummary("The whole routing table as a configuration document (ReverseProxy and ClusterLB:Policies)")
            .Produces<TableDocument>()
            .Refuses(StatusCodes.Status503ServiceUnavailable);
        admin.MapPut("/admin/import", (HttpRequest request) =>
            RoutingTableApi.WithBody<TableDocument>(request, document => new ImportRoutingTable(document.ToTable(), ImportSource), Writer()))
            .TableChange<TableDocument>("Replaces the routing table with an exported document, as one version");
    }

    /// <summary>The document of <paramref name="table"/>; ids are the keys, as in YARP's schema.</summary>
    public static string Export(RoutingTable table)
    {
        var routes = new JsonObject();
        foreach (var route in table.Routes.Values)
        {
            routes[route.RouteId] = WithoutId(route, nameof(RouteDefinition.RouteId));
        }

        var clusters = new JsonObject();
        foreach (var cluster in table.Clusters.Values)
        {
            clusters[cluster.ClusterId] = WithoutId(cluster, nameof(ClusterDefinition.ClusterId));
        }

        var document = new JsonObject
        {
            [ReverseProxySection.Name] = new JsonObject { ["Routes"] = routes, ["Clusters"] = clusters },
            [ClusterLBKey] = new JsonObject { ["Policies"] = JsonSerializer.SerializeToNode(table.Policies, DocumentJson) },
        };
        return document.ToJsonString(DocumentJson);
    }

    private static JsonNode WithoutId<T>(T definition, string idProperty)
    {
        var node = JsonSerializer.SerializeToNode(definition, DocumentJson)!.AsObject();
        node.Remove(idProperty);
        return node;
    }

    /// <summary>An exported document, read strictly: a field ClusterLB does not know is an error naming it.</summary>
    internal sealed record TableDocument
    {
        public ReverseProxyDocument? ReverseProxy { get; init; }

        public ClusterLBDocument? ClusterLB { get; init; }

        public RoutingTable ToTable() => RoutingTable.From(
            (ReverseProxy?.Routes ?? []).Select(r => r.Value with { RouteId = r.Key }),
            (ReverseProxy?.Clusters ?? []).Select(c => c.Value with { ClusterId = c.Key }),
            ClusterLB?.Policies);
    }

    /// <summary>YARP's <c>ReverseProxy</c> section.</summary>
    internal sealed record ReverseProxyDocument
    {
        public Dictionary<string, RouteDefinition>? Routes { get; init; }

        public Dictionary<string, ClusterDefinition>? Clusters { get; init; }
    }

    /// <summary>ClusterLB's part of the document: its named policies.</summary>
    internal sealed record ClusterLBDocument
    {
        public PolicyDefinitions? Policies { get; init; }
    }
}
