namespace ClusterLB.Core.Routing;

/// <summary>
/// The route metadata that turns response compression on or off for one route:
/// <see cref="Key"/> = <c>on</c> | <c>off</c>, over the node's <c>ClusterLB:Compression:Enabled</c>.
/// </summary>
public static class CompressionMetadata
{
    /// <summary>The route metadata key.</summary>
    public const string Key = "ClusterLB.Compression";

    /// <summary>The route's own choice: true on, false off, null when its metadata does not say.</summary>
    public static bool? RouteChoice(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.TryGetValue(Key, out var value) == true ? Parse(value) : null;

    /// <summary>Adds an error when <paramref name="metadata"/> holds a value other than on or off.</summary>
    public static void Validate(List<ValidationError> errors, string at, IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata?.TryGetValue(Key, out var value) == true && Parse(value) is null)
        {
            errors.Add(new($"{at}:{Key}", $"'{value}' is not one of on, off"));
        }
    }

    private static bool? Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "on" or "true" => true,
        "off" or "false" => false,
        _ => null,
    };
}
