using System.Net;
using ClusterLB.Core.Policies;
using ClusterLB.Core.Routing;
using Microsoft.AspNetCore.HttpOverrides;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// Proxies in front of ClusterLB (<c>ClusterLB:Forwarding</c>). Their <c>X-Forwarded-For/Proto/Host</c>
/// are honoured only when the connection comes from one of them, so filters and affinity see the real
/// client; from anyone else those headers are ignored. Backends get <c>X-Forwarded-*</c> as always.
/// </summary>
public sealed class ForwardingOptions
{
    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>CIDR networks of trusted proxies, e.g. <c>10.1.0.0/16</c>.</summary>
    public List<string> TrustedNetworks { get; set; } = [];

    /// <summary>Most proxy hops read from <c>X-Forwarded-For</c>; null reads back as far as the chain is trusted.</summary>
    public int? ForwardLimit { get; set; }

    /// <summary>A pseudonym for a <c>Via</c> header (<c>Via: 1.1 {name}</c>) on requests and responses; unset adds none.</summary>
    public string? Via { get; set; }

    /// <summary>Whether any proxy is trusted.</summary>
    public bool TrustsProxies => TrustedProxies.Count > 0 || TrustedNetworks.Count > 0;

    /// <summary>Adds every error of these options to <paramref name="errors"/>.</summary>
    public void Validate(List<ValidationError> errors, string at)
    {
        for (var i = 0; i < TrustedProxies.Count; i++)
        {
            if (!IPAddress.TryParse(TrustedProxies[i], out _))
            {
                errors.Add(new($"{at}:TrustedProxies:{i}", $"'{TrustedProxies[i]}' is not an IP address; list networks under TrustedNetworks"));
            }
        }

        for (var i = 0; i < TrustedNetworks.Count; i++)
        {
            if (!TrustedNetworks[i].Contains('/') || !RequestFilteringValidator.TryParseNetwork(TrustedNetworks[i], out _))
            {
                errors.Add(new($"{at}:TrustedNetworks:{i}", $"'{TrustedNetworks[i]}' is not a CIDR network, e.g. 10.0.0.0/8 or fd00::/8 (bits after the prefix length must be zero)"));
            }
        }

        if (ForwardLimit is < 1)
        {
            errors.Add(new($"{at}:ForwardLimit", $"must be at least 1, got {ForwardLimit}"));
        }

        if (Via is { Length: > 0 } via && (via.Length > 64 || !via.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')))
        {
            errors.Add(new($"{at}:Via", $"'{via}' is not a pseudonym of up to 64 letters, digits, '-', '.' or '_'"));
        }
    }

    /// <summary>Sets ASP.NET Core's forwarded-headers options to trust exactly the configured proxies.</summary>
    public void Configure(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        options.ForwardLimit = ForwardLimit;
        options.KnownProxies.Clear(); // ASP.NET trusts loopback by default; ClusterLB trusts only what is configured
        options.KnownIPNetworks.Clear();
        foreach (var proxy in TrustedProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in TrustedNetworks)
        {
            RequestFilteringValidator.TryParseNetwork(network, out var parsed);
            options.KnownIPNetworks.Add(parsed);
        }
    }
}
