using System.Text.Json;

namespace ClusterLB.Node.Configuration;

/// <summary>
/// Finds keys written twice in one JSON object of a configuration file. The JSON configuration
/// provider keeps only one of them, so a route or cluster defined twice would silently disappear.
/// </summary>
public static class DuplicateKeys
{
    /// <summary>Errors for duplicate keys in the JSON files that <paramref name="configuration"/> reads.</summary>
    public static IEnumerable<Core.Routing.ValidationError> InJsonFiles(IConfigurationBuilder configuration)
    {
        foreach (var source in configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>())
        {
            var file = source.Path is null ? null : source.FileProvider?.GetFileInfo(source.Path);
            if (file is not { Exists: true, PhysicalPath: not null })
            {
                continue;
            }

            foreach (var path in Find(File.ReadAllBytes(file.PhysicalPath)))
            {
                yield return new Core.Routing.ValidationError(path, $"duplicate id in {source.Path}: defined more than once (configuration keys are case-insensitive)");
            }
        }
    }

    /// <summary>Configuration paths (<c>A:B:C</c>) of keys that occur twice in the same object of <paramref name="json"/>.</summary>
    public static IReadOnlyList<string> Find(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var duplicates = new List<string>();
        Walk(document.RootElement, "", duplicates);
        return duplicates;
    }

    private static void Walk(JsonElement element, string path, List<string> duplicates)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in element.EnumerateObject())
            {
                var at = path.Length == 0 ? property.Name : $"{path}:{property.Name}";
                if (!names.Add(property.Name))
                {
                    duplicates.Add(at);
                }

                Walk(property.Value, at, duplicates);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                Walk(item, $"{path}:{index++}", duplicates);
            }
        }
    }
}
