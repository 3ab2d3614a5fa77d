using System.IO.Compression;
using ClusterLB.Core.Routing;
using Microsoft.AspNetCore.ResponseCompression;

namespace ClusterLB.Node.Compression;

/// <summary>
/// Response compression (<c>ClusterLB:Compression</c>): gzip and Brotli for compressible content the
/// backend sent uncompressed, when the client accepts it. A route turns it on or off for itself with
/// the route metadata <c>ClusterLB.Compression</c> = <c>on</c> | <c>off</c> (<see cref="CompressionMetadata"/>).
/// </summary>
public sealed class CompressionOptions
{
    /// <summary>Media types never compressed: their content is compressed already.</summary>
    public static IReadOnlyList<string> AlreadyCompressedTypes { get; } =
    [
        "image/*", "video/*", "audio/*", "font/woff", "font/woff2", "application/zip", "application/gzip", "application/x-gzip",
        "application/x-bzip2", "application/x-xz", "application/x-7z-compressed", "application/x-rar-compressed", "application/zstd",
        "application/x-brotli", "application/pdf", "application/octet-stream",
    ];

    /// <summary>Whether routes compress unless their metadata says <c>off</c>; false: only routes that say <c>on</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Responses whose Content-Length is below this many bytes are sent as they are (unknown lengths are compressed).</summary>
    public long MinimumSize { get; set; } = 1024;

    /// <summary><see cref="CompressionLevel"/> name: <c>Fastest</c> (the default: CPU on the proxy is shared), <c>Optimal</c>, <c>SmallestSize</c>.</summary>
    public string Level { get; set; } = nameof(CompressionLevel.Fastest);

    /// <summary>Whether HTTPS responses are compressed too; off by default, as in ASP.NET Core (BREACH, CRIME).</summary>
    public bool EnableForHttps { get; set; }

    /// <summary>Media types compressed in addition to ASP.NET Core's defaults (text/*, JSON, XML, JavaScript, CSS ...); <c>type/*</c> allowed.</summary>
    public List<string> MimeTypes { get; set; } = [];

    /// <summary>The types ASP.NET Core's middleware compresses: its defaults and <see cref="MimeTypes"/>.</summary>
    public IEnumerable<string> EffectiveMimeTypes => ResponseCompressionDefaults.MimeTypes.Concat(MimeTypes);

    /// <summary>Adds every error of these options to <paramref name="errors"/>.</summary>
    public void Validate(List<ValidationError> errors, string at)
    {
        if (MinimumSize < 0)
        {
            errors.Add(new($"{at}:MinimumSize", $"must be a size in bytes (0 or more), got {MinimumSize}"));
        }

        if (!Enum.TryParse<CompressionLevel>(Level, ignoreCase: true, out var level) || int.TryParse(Level, out _) || level == CompressionLevel.NoCompression)
        {
            errors.Add(new($"{at}:Level", $"'{Level}' is not one of Fastest, Optimal, SmallestSize"));
        }

        for (var i = 0; i < MimeTypes.Count; i++)
        {
            var type = MimeTypes[i];
            if (string.IsNullOrWhiteSpace(type) || type.Count(c => c == '/') != 1 || type.StartsWith('/') || type.EndsWith('/'))
            {
                errors.Add(new($"{at}:MimeTypes:{i}", $"'{type}' is not a media type like text/csv or application/vnd.api+json"));
            }
            else if (IsAlreadyCompressed(type))
            {
                errors.Add(new($"{at}:MimeTypes:{i}", $"'{type}' is compressed already; compressing it again costs CPU and saves nothing"));
            }
        }
    }

    /// <summary>The configured level.</summary>
    public CompressionLevel CompressionLevel => Enum.Parse<CompressionLevel>(Level, ignoreCase: true);

    /// <summary>Whether <paramref name="mediaType"/> is one of <see cref="AlreadyCompressedTypes"/>.</summary>
    public static bool IsAlreadyCompressed(string mediaType)
    {
        var type = mediaType.Split(';', 2)[0].Trim();
        var slash = type.IndexOf('/');
        return AlreadyCompressedTypes.Any(t =>
            string.Equals(t, type, StringComparison.OrdinalIgnoreCase)
            || (t.EndsWith("/*", StringComparison.Ordinal) && slash > 0 && string.Equals(t[..^2], type[..slash], StringComparison.OrdinalIgnoreCase)));
    }
}
