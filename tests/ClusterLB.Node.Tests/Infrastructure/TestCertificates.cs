using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>
/// A throwaway certificate authority made with .NET's <see cref="CertificateRequest"/>, issuing node
/// certificates as PEM (or PFX) files in a temporary directory, as an operator's CA would.
/// </summary>
public sealed class TestCertificateAuthority
{
    private readonly X509Certificate2 _ca;
    private readonly ECDsa _caKey;
    private int _issued;

    public TestCertificateAuthority(string name)
    {
        Directory = TempDirectory.Create("clusterlb-tls");
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
        CaCertificatePath = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaCertificatePath, _ca.ExportCertificatePem());
    }

    /// <summary>The CA every test node trusts, and its one node certificate that all test nodes present.</summary>
    public static TestCertificateAuthority Cluster { get; } = new("ClusterLB test CA");

    /// <summary>The node certificate of <see cref="Cluster"/> that test nodes present.</summary>
    public static NodeCertificateFiles ClusterNode { get; } = Cluster.Issue("test-node");

    public string Directory { get; }

    public string CaCertificatePath { get; }

    /// <summary>
    /// Issues a certificate for loopback (or for <paramref name="hostNames"/> only); <paramref name="validFor"/> negative makes an expired one.
    /// Files of the same <paramref name="name"/> are replaced.
    /// </summary>
    public NodeCertificateFiles Issue(string name, TimeSpan? validFor = null, string? keyPassword = null, string[]? hostNames = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (hostNames is null)
        {
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            names.AddDnsName("localhost");
        }
        else
        {
            foreach (var host in hostNames)
            {
                names.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        var (notBefore, notAfter) = validFor is { } span && span < TimeSpan.Zero
            ? (DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.Add(span))
            : (DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.Add(validFor ?? TimeSpan.FromDays(1)));
        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _issued) + Random.Shared.NextInt64(1, long.MaxValue / 2));
        using var issued = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);

        var certificate = Path.Combine(Directory, $"{name}.pem");
        var keyFile = Path.Combine(Directory, $"{name}.key");
        var pfx = Path.Combine(Directory, $"{name}.pfx");
        File.WriteAllText(certificate, issued.ExportCertificatePem());
        WritePrivate(keyFile, keyPassword is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(keyPassword, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
        File.WriteAllBytes(pfx, withKey.Export(X509ContentType.Pkcs12, keyPassword));
        OwnerOnly(pfx);
        return new NodeCertificateFiles(certificate, keyFile, pfx, CaCertificatePath);
    }

    private static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, content);
        OwnerOnly(path);
    }

    private static void OwnerOnly(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

/// <summary>A node's certificate files: PEM certificate and key, the same as PFX, and the CA it trusts.</summary>
public sealed record NodeCertificateFiles(string Certificate, string Key, string Pfx, string CaCertificate)
{
    /// <summary>The node settings that make it present this certificate and trust this CA.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["ClusterLB:Cluster:Tls:Certificate"] = Certificate,
        ["ClusterLB:Cluster:Tls:Key"] = Key,
        ["ClusterLB:Cluster:Tls:CaCertificate"] = CaCertificate,
    };

    /// <summary>The same settings as command-line arguments of the node executable.</summary>
    public IEnumerable<string> Args => Settings.Select(s => $"--{s.Key}={s.Value}");
}
