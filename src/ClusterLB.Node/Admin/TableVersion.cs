using System.Globalization;
using System.Text.RegularExpressions;

namespace ClusterLB.Node.Admin;

/// <summary>
/// The routing table's version as an HTTP entity tag: <c>ETag: "12"</c> on reads and writes, <c>If-Match: "12"</c>
/// to make a write conditional on the table still being at that version.
/// </summary>
internal static partial class TableVersion
{
    /// <summary>What a valid <c>If-Match</c> looks like, for the error of an invalid one.</summary>
    public const string IfMatchFormat = "must be a routing-table version as its ETag gives it, e.g. If-Match: \"12\" (or *)";

    /// <summary>The entity tag of <paramref name="version"/>.</summary>
    public static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// Reads <c>If-Match</c>: true with null when absent or <c>*</c> (no condition), true with the version when
    /// well formed, false when malformed.
    /// </summary>
    public static bool TryReadIfMatch(HttpRequest request, out long? version)
    {
        version = null;
        if (!request.Headers.TryGetValue("If-Match", out var values))
        {
            return true;
        }

        var value = values.ToString().Trim();
        if (value == "*")
        {
            return true;
        }

        var match = Quoted().Match(value);
        if (!match.Success || !long.TryParse(match.Groups["v"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        version = parsed;
        return true;
    }

    [GeneratedRegex("^\"(?<v>[0-9]{1,18})\"$")]
    private static partial Regex Quoted();
}
