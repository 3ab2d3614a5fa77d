using System.Text.RegularExpressions;

namespace ClusterLB.Node.Tests.Security;

/// <summary>How the most lenient backend could read a path: every encoding of '.', '/' and '\' decoded, dot segments removed.</summary>
public static partial class PathTraversal
{
    public static string DecodeLeniently(string path)
    {
        var decoded = path;
        for (var round = 0; round < 3; round++)
        {
            decoded = Overlong().Replace(decoded, m => m.Value.EndsWith("ae", StringComparison.OrdinalIgnoreCase) ? "." : "/");
            decoded = Uri.UnescapeDataString(decoded).Replace('\\', '/');
        }

        var segments = new List<string>();
        foreach (var segment in decoded.Split('/'))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
            }
            else if (segment is not ("." or ""))
            {
                segments.Add(segment);
            }
        }

        return "/" + string.Join('/', segments) + (decoded.EndsWith('/') ? "/" : "");
    }

    // Overlong UTF-8 forms of '.' (%c0%ae, %e0%80%ae) and '/' (%c0%af, %e0%80%af).
    [GeneratedRegex("%c0%a[ef]|%e0%80%a[ef]", RegexOptions.IgnoreCase)]
    private static partial Regex Overlong();
}
