using ClusterLB.Cluster.Security;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterLB.Node.Listeners;

/// <summary>
/// Where the proxy listens, configured the ASP.NET way and checked before start: <c>Kestrel:Endpoints</c>
/// (with <c>Protocols</c>, <c>Certificate</c> and <c>Sni</c>), else <c>Urls</c> (<c>ASPNETCORE_URLS</c>,
/// <c>--urls</c>), else <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, else <see cref="DefaultUrls"/>. Kestrel binds them
/// itself; this only knows which URLs result and whether an https one needs the node's self-signed certificate.
/// </summary>
/// <param name="Urls">Every URL the proxy is configured to listen on.</param>
/// <param name="UsesDefaults">Nothing is configured: the node listens on <see cref="DefaultUrls"/>.</param>
/// <param name="NeedsSelfSignedCertificate">An https listener has no certificate of its own, nor <c>Kestrel:Certificates:Default</c>.</param>
/// <param name="DeprecatedListeners">The <c>ClusterLB:Listeners</c> alias, as <c>Kestrel:Endpoints</c> settings.</param>
public sealed record ProxyListeners(
    IReadOnlyList<string> Urls,
    bool UsesDefaults,
    bool NeedsSelfSignedCertificate,
    IReadOnlyDictionary<string, string?> DeprecatedListeners)
{
    /// <summary>The proxy's listeners when none is configured.</summary>
    public static IReadOnlyList<string> DefaultUrls { get; } = ["http://localhost:8080", "https://localhost:8443"];

    /// <summary>The Kestrel configuration section.</summary>
    public const string KestrelSection = "Kestrel";

    /// <summary>Reads the proxy's listeners from <paramref name="configuration"/>, adding to <paramref name="errors"/> what Kestrel would refuse or silently ignore.</summary>
    public static ProxyListeners Read(IConfiguration configuration, IReadOnlyList<DeprecatedListenerOptions> deprecated, List<ValidationError> errors)
    {
        // Kestrel resolves certificate paths against the content root.
        var contentRoot = configuration[HostDefaults.ContentRootKey] is { Length: > 0 } root ? root : Directory.GetCurrentDirectory();
        var kestrel = configuration.GetSection(KestrelSection);
        var hasDefaultCertificate = CheckCertificate(kestrel.GetSection("Certificates:Default"), "Kestrel:Certificates:Default", contentRoot, errors);
        CheckProtocols(kestrel["EndpointDefaults:Protocols"], "Kestrel:EndpointDefaults:Protocols", errors);

        var urls = new List<string>();
        var httpsWithoutCertificate = false;
        foreach (var endpoint in kestrel.GetSection("Endpoints").GetChildren())
        {
            var at = $"Kestrel:Endpoints:{endpoint.Key}";
            var https = CheckUrl(endpoint["Url"], $"{at}:Url", errors);
            CheckProtocols(endpoint["Protocols"], $"{at}:Protocols", errors);
            var hasCertificate = CheckCertificate(endpoint.GetSection("Certificate"), $"{at}:Certificate", contentRoot, errors);
            var sni = endpoint.GetSection("Sni").GetChildren().ToList();
            foreach (var host in sni)
            {
                if (SniNameRefusal(host.Key) is { } refusal)
                {
                    errors.Add(new ValidationError($"{at}:Sni:{host.Key}", refusal));
                }

                CheckProtocols(host["Protocols"], $"{at}:Sni:{host.Key}:Protocols", errors);
                CheckCertificate(host.GetSection("Certificate"), $"{at}:Sni:{host.Key}:Certificate", contentRoot, errors);
            }

            if (https == false && (hasCertificate || sni.Count > 0))
            {
                errors.Add(new ValidationError(hasCertificate ? $"{at}:Certificate" : $"{at}:Sni", $"is set, but {at}:Url is not https"));
            }

            httpsWithoutCertificate |= https == true && !hasCertificate && sni.Count == 0;
            urls.Add(endpoint["Url"] ?? "");
        }

        var aliases = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < deprecated.Count; i++)
        {
            var https = CheckUrl(deprecated[i].Url, $"ClusterLB:Listeners:{i}:Url", errors);
            CheckProtocols(deprecated[i].Protocols, $"ClusterLB:Listeners:{i}:Protocols", errors);
            httpsWithoutCertificate |= https == true;
            aliases[$"Kestrel:Endpoints:ClusterLBListener{i}:Url"] = deprecated[i].Url;
            aliases[$"Kestrel:Endpoints:ClusterLBListener{i}:Protocols"] = deprecated[i].Protocols;
            urls.Add(deprecated[i].Url);
        }

        var usesDefaults = false;
        if (urls.Count == 0)
        {
            // Kestrel ignores addresses when endpoints are configured; these apply only without.
            var addresses = Addresses(configuration, errors);
            usesDefaults = addresses.Count == 0;
            urls.AddRange(usesDefaults ? DefaultUrls : addresses);
            httpsWithoutCertificate |= urls.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        }

        return new ProxyListeners(urls, usesDefaults, httpsWithoutCertificate && !hasDefaultCertificate, aliases);
    }

    /// <summary>Checks a Kestrel-shaped certificate section (<c>Path</c>, <c>KeyPath</c>, <c>Password</c>); whether it configures one.</summary>
    public static bool CheckCertificate(IConfigurationSection section, string at, string contentRoot, List<ValidationError> errors)
    {
        var path = section["Path"];
        if (string.IsNullOrEmpty(path))
        {
            if (section["Subject"] is { Length: > 0 })
            {
                return true; // from a certificate store, which Kestrel opens
            }

            if (section["KeyPath"] is { Length: > 0 } || section["Password"] is { Length: > 0 })
            {
                errors.Add(new ValidationError($"{at}:Path", "is required when KeyPath or Password is set"));
            }

            return false;
        }

        try
        {
            CertificateFiles.Load(Source(section, at, contentRoot)).Dispose();
        }
        catch (ClusterTlsException e)
        {
            errors.Add(new ValidationError(e.Setting, e.Message));
        }

        return true;
    }

    /// <summary>The files of a Kestrel-shaped certificate section, relative paths taken from <paramref name="contentRoot"/>.</summary>
    public static CertificateSource Source(IConfigurationSection section, string at, string contentRoot) =>
        Source(section["Path"], section["KeyPath"], section["Password"], at, contentRoot);

    /// <summary>The files of a Kestrel-shaped certificate setting at <paramref name="at"/>, relative paths taken from <paramref name="contentRoot"/>.</summary>
    public static CertificateSource Source(string? path, string? keyPath, string? password, string at, string contentRoot) => new(
        string.IsNullOrEmpty(path) ? null : Path.Combine(contentRoot, path),
        $"{at}:Path",
        string.IsNullOrEmpty(keyPath) ? null : Path.Combine(contentRoot, keyPath),
        $"{at}:KeyPath",
        password,
        $"{at}:Password",
        KeyInPemFile: false);

    /// <summary>Why <paramref name="name"/> cannot be an SNI host name pattern (<c>*</c>, <c>*.example.com</c>, <c>www.example.com</c>); null when it can.</summary>
    public static string? SniNameRefusal(string name)
    {
        if (name == "*")
        {
            return null;
        }

        var host = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        return host.Contains('*', StringComparison.Ordinal) || Uri.CheckHostName(host) != UriHostNameType.Dns
            ? $"'{name}' is not a host name pattern: give a host name (www.example.com), a wildcard for its subdomains (*.example.com) or * for any"
            : null;
    }

    /// <summary>Checks a listen URL; whether it is https, or null when it is not a listen URL.</summary>
    private static bool? CheckUrl(string? url, string at, List<ValidationError> errors)
    {
        if (!ListenUrl.TryParse(url, out var listen, out var error))
        {
            errors.Add(new ValidationError(at, error));
            return null;
        }

        return listen!.Https;
    }

    private static void CheckProtocols(string? protocols, string at, List<ValidationError> errors)
    {
        if (protocols is not null && (!Enum.TryParse<HttpProtocols>(protocols, ignoreCase: true, out var parsed) || char.IsDigit(protocols.TrimStart()[0]) || parsed == HttpProtocols.None))
        {
            errors.Add(new ValidationError(at, $"'{protocols}' is not one of Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3"));
        }
    }

    private static List<string> Addresses(IConfiguration configuration, List<ValidationError> errors)
    {
        var addresses = new List<string>();
        if (configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls)
        {
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                CheckUrl(url, "Urls", errors);
                addresses.Add(url);
            }

            return addresses;
        }

        foreach (var (key, scheme) in new[] { (WebHostDefaults.HttpPortsKey, "http"), (WebHostDefaults.HttpsPortsKey, "https") })
        {
            foreach (var port in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(port, out var number) && number is >= 0 and <= 65535)
                {
                    addresses.Add($"{scheme}://*:{number}");
                }
                else
                {
                    errors.Add(new ValidationError(key.ToUpperInvariant(), $"'{port}' is not a TCP port (0-65535)"));
                }
            }
        }

        return addresses;
    }
}

/// <summary>A proxy listener of the deprecated <c>ClusterLB:Listeners:N</c> alias; use <c>Urls</c> or <c>Kestrel:Endpoints</c>.</summary>
public sealed class DeprecatedListenerOptions
{
    /// <summary>Where to listen, e.g. <c>http://0.0.0.0:8080</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>Kestrel's <c>HttpProtocols</c> name.</summary>
    public string Protocols { get; set; } = "Http1";
}
