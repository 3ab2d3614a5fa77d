using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterLB.Cluster.Persistence;

namespace ClusterLB.Node.Listeners;

/// <summary>
/// The certificate of https listeners that have none of their own: self-signed for localhost and this
/// machine, created in the data directory on first use (files readable by the node's user only) and
/// reused afterwards, so clients can pin its fingerprint.
/// </summary>
public sealed class SelfSignedCertificate
{
    /// <summary>File name of the certificate, PEM, in the data directory.</summary>
    public const string CertificateFileName = "https-selfsigned.pem";

    /// <summary>File name of its private key, PEM, in the data directory.</summary>
    public const string KeyFileName = "https-selfsigned.key";

    private readonly Lazy<X509Certificate2> _certificate;

    /// <summary>A certificate kept in <paramref name="dataDirectory"/>, read or created when first needed.</summary>
    public SelfSignedCertificate(string dataDirectory, TimeProvider time)
    {
        CertificatePath = Path.Combine(dataDirectory, CertificateFileName);
        KeyPath = Path.Combine(dataDirectory, KeyFileName);
        _certificate = new Lazy<X509Certificate2>(() => LoadOrCreate(time));
    }

    /// <summary>The certificate file.</summary>
    public string CertificatePath { get; }

    /// <summary>The private key file.</summary>
    public string KeyPath { get; }

    /// <summary>The certificate with its key; reading it creates the files on first use.</summary>
    public X509Certificate2 Certificate => _certificate.Value;

    /// <summary>Whether a listener has used the certificate.</summary>
    public bool InUse => _certificate.IsValueCreated;

    /// <summary>SHA-256 fingerprint, as browsers and <c>openssl x509 -fingerprint -sha256</c> show it.</summary>
    public string Fingerprint => Format(Certificate);

    /// <summary>The SHA-256 fingerprint of <paramref name="certificate"/>: hex pairs separated by colons.</summary>
    public static string Format(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2")));

    private X509Certificate2 LoadOrCreate(TimeProvider time)
    {
        var now = time.GetUtcNow();
        if (File.Exists(CertificatePath) && File.Exists(KeyPath))
        {
            try
            {
                var existing = Persisted(X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath));
                if (existing.NotAfter.ToUniversalTime() > now.UtcDateTime.AddDays(1))
                {
                    return existing;
                }

                existing.Dispose();
            }
            catch (CryptographicException)
            {
                // Damaged files: the node made them, so it makes them again.
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=ClusterLB {Environment.MachineName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        PrivateFiles.CreateDirectory(Path.GetDirectoryName(CertificatePath)!);
        PrivateFiles.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        PrivateFiles.WriteAllText(CertificatePath, created.ExportCertificatePem());
        return Persisted(created);
    }

    // A key read from PEM lives only in memory; TLS on some platforms needs it in a key store.
    private static X509Certificate2 Persisted(X509Certificate2 certificate)
    {
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
        }
    }
}
