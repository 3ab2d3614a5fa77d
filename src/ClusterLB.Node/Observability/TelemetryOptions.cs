namespace ClusterLB.Node.Observability;

/// <summary><c>ClusterLB:Metrics</c>: the Prometheus endpoint on the admin listener.</summary>
public sealed class MetricsOptions
{
    /// <summary>Whether <c>/metrics</c> is served and the instruments are collected (on by default).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary><c>ClusterLB:Logging</c>: how the node writes its log.</summary>
public sealed class LogFormatOptions
{
    /// <summary>Console log format names.</summary>
    public static readonly string[] Formats = ["simple", "json"];

    /// <summary><c>simple</c> (ASP.NET Core's console format, the default) or <c>json</c> (one JSON object per line, with scopes).</summary>
    public string Format { get; set; } = "simple";

    /// <summary>Whether lines are JSON objects.</summary>
    public bool IsJson => string.Equals(Format, "json", StringComparison.OrdinalIgnoreCase);
}
