using System.Text;
using System.Text.Json;

namespace ClusterLB.Core.Routing;

/// <summary>One difference between two routing tables.</summary>
/// <param name="Kind"><c>route</c>, <c>cluster</c>, <c>destination</c> or <c>policy</c>.</param>
/// <param name="Id">The route or cluster id, <c>cluster/destination</c>, or <c>kind/name</c> of a policy.</param>
/// <param name="Change"><c>added</c>, <c>removed</c> or <c>changed</c>.</param>
/// <param name="Fields">For a change, the fields that differ (JSON paths in the admin schema).</param>
public sealed record TableDifference(string Kind, string Id, string Change, IReadOnlyList<string> Fields);

/// <summary>
/// Compares two routing tables through their canonical JSON form, so that every field of YARP's schema
/// and of the policies is compared without a list of fields to keep up to date.
/// </summary>
public static class RoutingTableDiff
{
    /// <summary>What changed from <paramref name="from"/> to <paramref name="to"/>, by kind then id.</summary>
    public static IReadOnlyList<TableDifference> Compare(RoutingTable from, RoutingTable to)
    {
        using var a = JsonDocument.Parse(RoutingTableJson.Canonical(from));
        using var b = JsonDocument.Parse(RoutingTableJson.Canonical(to));
        var differences = new List<TableDifference>();
        CompareSet("route", Section(a.RootElement, "routes"), Section(b.RootElement, "routes"), [], differences);
        CompareSet("cluster", Section(a.RootElement, "clusters"), Section(b.RootElement, "clusters"), ["destinations"], differences);
        foreach (var clusterId in Keys(Section(a.RootElement, "clusters")).Intersect(Keys(Section(b.RootElement, "clusters"))).Order(StringComparer.Ordinal))
        {
            CompareSet(
                "destination",
                Section(a.RootElement.GetProperty("clusters").GetProperty(clusterId), "destinations"),
                Section(b.RootElement.GetProperty("clusters").GetProperty(clusterId), "destinations"),
                [],
                differences,
                clusterId + "/");
        }

        var policiesA = Section(a.RootElement, "policies");
        var policiesB = Section(b.RootElement, "policies");
        foreach (var kind in Keys(policiesA).Union(Keys(policiesB)).Order(StringComparer.Ordinal))
        {
            CompareSet("policy", Section(policiesA, kind), Section(policiesB, kind), [], differences, kind + "/");
        }

        return differences;
    }

    /// <summary>The readable form: one line per difference, <c>+</c> added, <c>-</c> removed, <c>~</c> changed.</summary>
    public static string ToText(long fromVersion, long toVersion, IReadOnlyList<TableDifference> differences)
    {
        var text = new StringBuilder($"v{fromVersion} -> v{toVersion}: {differences.Count} difference{(differences.Count == 1 ? "" : "s")}\n");
        foreach (var d in differences)
        {
            var mark = d.Change switch { "added" => '+', "removed" => '-', _ => '~' };
            text.Append($"{mark} {d.Kind} {d.Id}");
            text.Append(d.Fields.Count > 0 ? ": " + string.Join(", ", d.Fields) : "").Append('\n');
        }

        return text.ToString();
    }

    private static void CompareSet(
        string kind, JsonElement? from, JsonElement? to, string[] ignored, List<TableDifference> differences, string prefix = "")
    {
        var fromKeys = Keys(from);
        var toKeys = Keys(to);
        foreach (var id in fromKeys.Union(toKeys).Order(StringComparer.Ordinal))
        {
            if (!toKeys.Contains(id))
            {
                differences.Add(new TableDifference(kind, prefix + id, "removed", []));
            }
            else if (!fromKeys.Contains(id))
            {
                differences.Add(new TableDifference(kind, prefix + id, "added", []));
            }
            else
            {
                var fields = new List<string>();
                ChangedFields(from!.Value.GetProperty(id), to!.Value.GetProperty(id), "", ignored, fields);
                if (fields.Count > 0)
                {
                    differences.Add(new TableDifference(kind, prefix + id, "changed", fields));
                }
            }
        }
    }

    private static void ChangedFields(JsonElement a, JsonElement b, string path, string[] ignored, List<string> fields)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            var names = a.EnumerateObject().Select(p => p.Name).Union(b.EnumerateObject().Select(p => p.Name)).Order(StringComparer.Ordinal);
            foreach (var name in names.Where(n => path.Length > 0 || !ignored.Contains(n)))
            {
                var child = path.Length > 0 ? $"{path}.{name}" : name;
                var hasA = a.TryGetProperty(name, out var va);
                var hasB = b.TryGetProperty(name, out var vb);
                if (hasA != hasB)
                {
                    fields.Add(child);
                }
                else
                {
                    ChangedFields(va, vb, child, ignored, fields);
                }
            }
        }
        else if (a.GetRawText() != b.GetRawText())
        {
            fields.Add(path);
        }
    }

    private static JsonElement? Section(JsonElement? parent, string name) =>
        parent is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty(name, out var section) && section.ValueKind == JsonValueKind.Object ? section : null;

    private static HashSet<string> Keys(JsonElement? section) =>
        section is { } s ? s.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal) : [];
}
