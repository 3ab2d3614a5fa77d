namespace ClusterLB.EchoBackend;

/// <summary>
/// Where an echo backend listens: HTTP/1.1 on <see cref="Urls"/>, and optionally gRPC-ready endpoints:
/// HTTP/2 only in cleartext (h2c) on <see cref="H2cUrl"/>, and HTTP/1.1 and HTTP/2 over TLS on
/// <see cref="TlsUrl"/> with <see cref="Certificate"/>.
/// </summary>
/// <param name="Urls">HTTP/1.1 URLs separated by ';', e.g. <c>http://127.0.0.1:5101</c> (port 0 picks a free port).</param>
public sealed record EchoEndpoints(string Urls)
{
    /// <summary>An <c>http://</c> URL that speaks HTTP/2 only, with prior knowledge (h2c); null for none.</summary>
    public string? H2cUrl { get; init; }

    /// <summary>An <c>https://</c> URL that speaks HTTP/1.1 and HTTP/2 (chosen by ALPN); null for none.</summary>
    public string? TlsUrl { get; init; }

    /// <summary>Certificate file of <see cref="TlsUrl"/>: PEM (with <see cref="CertificateKey"/>) or PFX.</summary>
    public string? Certificate { get; init; }

    /// <summary>PEM private key file of <see cref="Certificate"/>; null when the certificate file holds its key.</summary>
    public string? CertificateKey { get; init; }

    /// <summary>Problems with these settings, each naming the setting at fault; empty when they can be used.</summary>
    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is not { Length: > 0 } urls
            || urls.Any(url => !HasScheme(url, "http")))
        {
            errors.Add($"urls: '{Urls}' is not a list of absolute http URLs separated by ';'");
        }

        if (H2cUrl is not null && !HasScheme(H2cUrl, "http"))
        {
            errors.Add($"h2c-url: '{H2cUrl}' is not an absolute http URL");
        }

        if (TlsUrl is not null && !HasScheme(TlsUrl, "https"))
        {
            errors.Add($"tls-url: '{TlsUrl}' is not an absolute https URL");
        }

        if (TlsUrl is not null && Certificate is null)
        {
            errors.Add("certificate: a TLS endpoint needs a certificate file (PEM with key, or PFX)");
        }
        else if (Certificate is not null && !File.Exists(Certificate))
        {
            errors.Add($"certificate: file '{Certificate}' does not exist");
        }

        if (CertificateKey is not null && !File.Exists(CertificateKey))
        {
            errors.Add($"key: file '{CertificateKey}' does not exist");
        }

        return errors;
    }

    private static bool HasScheme(string url, string scheme) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == scheme;
}
