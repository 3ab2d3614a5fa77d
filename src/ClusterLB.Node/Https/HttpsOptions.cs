namespace ClusterLB.Node.Https;

/// <summary>
/// HTTP to HTTPS redirect and HSTS for proxied requests (<c>ClusterLB:Https</c>); a route overrides
/// them with its <c>Metadata</c> keys <see cref="HttpsEnforcement.RedirectMetadataKey"/> and <see cref="HttpsEnforcement.HstsMetadataKey"/>.
/// </summary>
public sealed class HttpsOptions
{
    /// <summary>Answer plain-HTTP requests with a 307 redirect to the same URL over HTTPS.</summary>
    public bool RedirectHttp { get; set; }

    /// <summary>The port redirects point to; unset: the proxy's https listener port.</summary>
    public int? HttpsPort { get; set; }

    /// <summary>The <c>Strict-Transport-Security</c> header on HTTPS responses.</summary>
    public HstsOptions Hsts { get; set; } = new();
}

/// <summary>The <c>Strict-Transport-Security</c> header (<c>ClusterLB:Https:Hsts</c>).</summary>
public sealed class HstsOptions
{
    /// <summary>Send the header on HTTPS responses.</summary>
    public bool Enabled { get; set; }

    /// <summary>How long browsers keep to HTTPS for the host.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Also for every subdomain of the host.</summary>
    public bool IncludeSubDomains { get; set; }

    /// <summary>Consent to browsers' preload lists.</summary>
    public bool Preload { get; set; }

    /// <summary>The header value.</summary>
    public string HeaderValue =>
        $"max-age={(long)MaxAge.TotalSeconds}{(IncludeSubDomains ? "; includeSubDomains" : "")}{(Preload ? "; preload" : "")}";
}
