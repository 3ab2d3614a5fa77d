using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Yarp.ReverseProxy.Forwarder;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// YARP's client factory, plus: a cluster whose metadata names a private CA (<see cref="BackendAuthorities.MetadataKey"/>)
/// trusts destination certificates that chain to that CA, and only those; the host name is still checked.
/// </summary>
internal sealed class BackendTlsHttpClientFactory(BackendAuthorities authorities, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <inheritdoc />
    protected override bool CanReuseOldClient(ForwarderHttpClientContext context) =>
        base.CanReuseOldClient(context) && AuthorityName(context.OldMetadata) == AuthorityName(context.NewMetadata);

    /// <inheritdoc />
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (AuthorityName(context.NewMetadata) is { } name && authorities.TryGet(name, out var roots))
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) => IsTrusted(roots, certificate, presented, errors);
        }
    }

    private static string? AuthorityName(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.GetValueOrDefault(BackendAuthorities.MetadataKey);

    private static bool IsTrusted(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore); // intermediates the backend sent
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
