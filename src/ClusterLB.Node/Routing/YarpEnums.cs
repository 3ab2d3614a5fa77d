namespace ClusterLB.Node.Routing;

/// <summary>
/// The routing table keeps YARP's enum-valued fields as the names a configuration file holds; these
/// read them as YARP's configuration reader does (by name, ignoring case), and say which are not names.
/// </summary>
public static class YarpEnums
{
    /// <summary>Whether <paramref name="name"/> is unset or names a member of <typeparamref name="T"/>.</summary>
    public static bool IsValid<T>(string? name) where T : struct, Enum => name is null || TryParse<T>(name, out _);

    /// <summary>The member <paramref name="name"/> names, or <paramref name="unset"/> when it is unset.</summary>
    public static T Parse<T>(string? name, T unset) where T : struct, Enum => ParseOrNull<T>(name) ?? unset;

    /// <summary>The member <paramref name="name"/> names, or null when it is unset.</summary>
    public static T? ParseOrNull<T>(string? name) where T : struct, Enum =>
        name is null ? null : TryParse<T>(name, out var value) ? value : throw new FormatException($"'{name}' is not one of {Names<T>()}");

    /// <summary>The union of the flags <paramref name="names"/> name, or null when none is given.</summary>
    public static T? Flags<T>(IReadOnlyList<string>? names) where T : struct, Enum
    {
        if (names is not { Count: > 0 })
        {
            return null;
        }

        var bits = names.Aggregate(0L, (all, name) => all | Convert.ToInt64(ParseOrNull<T>(name)!.Value));
        return (T)Enum.ToObject(typeof(T), bits);
    }

    /// <summary>The member names of <typeparamref name="T"/>, for error messages.</summary>
    public static string Names<T>() where T : struct, Enum => string.Join(", ", Enum.GetNames<T>());

    private static bool TryParse<T>(string name, out T value) where T : struct, Enum =>
        Enum.TryParse(name, ignoreCase: true, out value) && Enum.IsDefined(value);
}
