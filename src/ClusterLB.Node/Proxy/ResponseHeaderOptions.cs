namespace ClusterLB.Node.Proxy;

/// <summary>Backend response headers removed before the client sees them (<c>ClusterLB:ResponseHeaders</c>).</summary>
public sealed class ResponseHeaderOptions
{
    /// <summary>Headers that name the backend's software, removed when <see cref="Remove"/> is not configured.</summary>
    public static IReadOnlyList<string> BackendIdentifying { get; } = ["Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"];

    /// <summary>The headers to remove; unset: <see cref="BackendIdentifying"/>. An empty entry alone removes none.</summary>
    public List<string>? Remove { get; set; }

    /// <summary>The headers removed.</summary>
    public IReadOnlyList<string> EffectiveRemove => Remove is null ? BackendIdentifying : Remove.Where(h => !string.IsNullOrWhiteSpace(h)).ToList();
}
