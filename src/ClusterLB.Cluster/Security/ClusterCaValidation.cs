using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ClusterLB.Cluster.Security;

/// <summary>
/// Accepts a peer on the remoting port only when its certificate chains to the cluster's own CA. The
/// operating system's trust store plays no part, and host names are not checked: a node's identity is
/// its certificate from the cluster's CA, whatever address it is reached at.
/// </summary>
public static class ClusterCaValidation
{
    /// <summary>The TLS callback for both directions: outbound (the server's certificate) and inbound (the client's).</summary>
    public static CertificateValidationCallback Callback(X509Certificate2Collection authorities) =>
        (certificate, presented, peer, _, log) =>
        {
            if (certificate is null)
            {
                log.Warning("Refused remoting peer {0}: it presented no certificate", peer);
                return false;
            }

            if (ChainsToCluster(certificate, authorities, presented, out var reason))
            {
                return true;
            }

            log.Warning("Refused remoting peer {0}: its certificate {1} (issuer {2}) does not chain to the cluster CA: {3}", peer, certificate.Subject, certificate.Issuer, reason);
            return false;
        };

    /// <summary>
    /// Whether <paramref name="certificate"/> chains to one of <paramref name="authorities"/> and is valid now.
    /// Certificates the peer sent along (<paramref name="presented"/>) may serve as intermediates, never as anchors.
    /// </summary>
    public static bool ChainsToCluster(X509Certificate2 certificate, X509Certificate2Collection authorities, X509Chain? presented, out string reason)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // Node certificates are short-lived and reissued from the cluster's CA; there is no revocation list to ask.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }
        }

        if (chain.Build(certificate))
        {
            reason = "";
            return true;
        }

        reason = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        if (reason.Length == 0)
        {
            reason = "no path to a cluster CA";
        }

        return false;
    }
}
