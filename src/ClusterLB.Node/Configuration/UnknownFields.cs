using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Configuration;

/// <summary>
/// Names fields the routing-table schema does not have, in configuration or in an admin request body:
/// each is a typo or a field of another product, so it is refused with its path and the closest known field.
/// </summary>
public static class UnknownFields
{
    /// <summary>Every key under <paramref name="section"/> that <paramref name="type"/> has no property for.</summary>
    public static IEnumerable<ValidationError> In(IConfigurationSection section, Type type)
    {
        if (ElementType(type) is { } element)
        {
            // A list or dictionary: each child is an element.
            return section.GetChildren().SelectMany(c => In(c, element));
        }

        if (!HasFields(type))
        {
            return [];
        }

        var properties = Properties(type);
        return section.GetChildren().SelectMany(child => properties.TryGetValue(child.Key, out var property)
            ? In(child, property.PropertyType)
            : [new ValidationError(child.Path, Describe(child.Key, properties.Keys))]);
    }

    /// <summary>Why <paramref name="key"/> is refused, naming the closest of <paramref name="known"/>.</summary>
    public static string Describe(string key, IEnumerable<string> known)
    {
        var closest = known.Select(k => (Name: k, Distance: EditDistance(key.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(k => k.Distance <= Math.Max(2, key.Length / 3))
            .OrderBy(k => k.Distance)
            .FirstOrDefault();
        var hint = closest.Name is { } name ? $"did you mean '{name}'?" : $"known fields: {string.Join(", ", known.Order(StringComparer.Ordinal))}";
        return $"unknown field '{key}'; {hint}";
    }

    /// <summary>The settable properties of <paramref name="type"/> by name, ignoring case as configuration keys do.</summary>
    public static IReadOnlyDictionary<string, System.Reflection.PropertyInfo> Properties(Type type) =>
        HasFields(type) ? type.GetProperties().Where(p => p.CanWrite).ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase) : new();

    private static bool HasFields(Type type) =>
        type != typeof(string) && !type.IsValueType && type != typeof(Uri) && ElementType(type) is null;

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string) || !type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        var arguments = type.GetGenericArguments();
        return definition == typeof(IReadOnlyList<>) || definition == typeof(List<>) || definition == typeof(IList<>) ? arguments[0]
            : definition == typeof(IReadOnlyDictionary<,>) || definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) ? arguments[1]
            : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
