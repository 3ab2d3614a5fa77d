using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterLB.Core.Routing;

/// <summary>
/// The one JSON form of the routing table and its events: used for persistence, replication and
/// comparison, so a table reads back exactly as it was written.
/// </summary>
public static class RoutingTableJson
{
    /// <summary>Serializer options for the routing-table model.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    /// <summary>A stable string form of <paramref name="table"/>: equal content gives equal strings.</summary>
    public static string Canonical(RoutingTable table) => JsonSerializer.Serialize(table, Options);
}
