using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterLB.Cluster.Hosting;

namespace ClusterLB.Cluster.Security;

/// <summary>A node's TLS material, read and checked: its own certificate with key, and the cluster's CA.</summary>
/// <param name="Node">The certificate the node presents, with its private key.</param>
/// <param name="Authorities">The cluster's CA certificates: the only trust anchors for peers.</param>
public sealed record ClusterCertificates(X509Certificate2 Node, X509Certificate2Collection Authorities);

/// <summary>A TLS setting that cannot be used; <see cref="Setting"/> is its full configuration path.</summary>
public sealed class ClusterTlsException(string setting, string message) : Exception(message)
{
    /// <summary>The configuration path at fault, e.g. <c>ClusterLB:Cluster:Tls:Key</c>.</summary>
    public string Setting { get; } = setting;
}

/// <summary>Decides whether a node runs its remoting over mutual TLS, and reads its certificates.</summary>
public static class ClusterTls
{
    /// <summary>The configuration section of <see cref="TlsSettings"/>.</summary>
    public const string Section = "ClusterLB:Cluster:Tls";

    /// <summary>Whether remoting runs over TLS: on when a certificate is configured, unless switched off.</summary>
    public static bool IsEnabled(ClusterSettings cluster) =>
        cluster.Tls.Enabled ?? !string.IsNullOrWhiteSpace(cluster.Tls.Certificate);

    /// <summary>
    /// Whether the node must run TLS unless explicitly switched off: it joins other nodes (seeds), or its
    /// remoting port is reachable from beyond this host, so strangers could otherwise join it.
    /// </summary>
    public static bool IsRequired(ClusterSettings cluster) =>
        cluster.Seeds.Any(s => !string.IsNullOrWhiteSpace(s)) || !IsLoopback(cluster.Hostname);

    /// <summary>Reads the certificate, its key and the CA named in <paramref name="tls"/>; throws <see cref="ClusterTlsException"/> naming the setting at fault.</summary>
    public static ClusterCertificates Load(TlsSettings tls, TimeProvider? time = null)
    {
        var certificatePath = Required(tls.Certificate, "Certificate");
        var caPath = Required(tls.CaCertificate, "CaCertificate");
        var (password, passwordSetting) = ReadPassword(tls);
        var authorities = LoadAuthorities(caPath);
        var node = IsPkcs12Path(certificatePath)
            ? LoadPkcs12(certificatePath, password, passwordSetting)
            : LoadPem(certificatePath, tls.Key, password, passwordSetting);

        var now = (time ?? TimeProvider.System).GetUtcNow();
        if (node.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            throw new ClusterTlsException(Setting("Certificate"), $"'{certificatePath}' expired on {node.NotAfter.ToUniversalTime():u}; issue a new node certificate");
        }

        if (node.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            throw new ClusterTlsException(Setting("Certificate"), $"'{certificatePath}' is not valid before {node.NotBefore.ToUniversalTime():u}");
        }

        if (!ClusterCaValidation.ChainsToCluster(node, authorities, presented: null, out var reason))
        {
            throw new ClusterTlsException(Setting("Certificate"), $"'{certificatePath}' ({node.Subject}) does not chain to the CA in {Setting("CaCertificate")} ('{caPath}'): {reason}");
        }

        return new ClusterCertificates(node, authorities);
    }

    private static string Setting(string name) => $"{Section}:{name}";

    private static string Required(string? path, string name) =>
        string.IsNullOrWhiteSpace(path)
            ? throw new ClusterTlsException(Setting(name), "is required when TLS is on (a file path)")
            : path;

    private static bool IsLoopback(string? hostname) =>
        string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(hostname, out var address) && IPAddress.IsLoopback(address));

    private static bool IsPkcs12Path(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static (string? Password, string Setting) ReadPassword(TlsSettings tls)
    {
        if (string.IsNullOrEmpty(tls.PasswordFile))
        {
            return (string.IsNullOrEmpty(tls.Password) ? null : tls.Password, Setting("Password"));
        }

        if (!string.IsNullOrEmpty(tls.Password))
        {
            throw new ClusterTlsException(Setting("PasswordFile"), $"give either {Setting("Password")} or {Setting("PasswordFile")}, not both");
        }

        // A trailing newline is how editors and `echo` end a one-line file, not part of the password.
        return (ReadText(tls.PasswordFile, "PasswordFile").TrimEnd('\r', '\n'), Setting("PasswordFile"));
    }

    private static string ReadText(string path, string name)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterTlsException(Setting(name), $"cannot read '{path}': {e.Message}");
        }
    }

    private static X509Certificate2Collection LoadAuthorities(string path)
    {
        var pem = ReadText(path, "CaCertificate");
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new ClusterTlsException(Setting("CaCertificate"), $"'{path}' is not a PEM certificate file: {e.Message}");
        }

        if (authorities.Count == 0)
        {
            throw new ClusterTlsException(Setting("CaCertificate"), $"'{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }

        foreach (var authority in authorities)
        {
            if (authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
            {
                throw new ClusterTlsException(Setting("CaCertificate"), $"'{path}' holds {authority.Subject}, which is not a CA certificate (basic constraints CA:TRUE)");
            }
        }

        return authorities;
    }

    private static X509Certificate2 LoadPkcs12(string path, string? password, string passwordSetting)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterTlsException(Setting("Certificate"), $"cannot read '{path}': {e.Message}");
        }

        if (X509Certificate2.GetCertContentType(bytes) != X509ContentType.Pkcs12)
        {
            throw new ClusterTlsException(Setting("Certificate"), $"'{path}' is not a PFX/PKCS#12 file");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12(bytes, password);
        }
        catch (CryptographicException e)
        {
            throw new ClusterTlsException(passwordSetting, $"does not open '{path}' ({e.Message})");
        }

        return certificate.HasPrivateKey
            ? certificate
            : throw new ClusterTlsException(Setting("Certificate"), $"'{path}' holds no private key for {certificate.Subject}");
    }

    private static bool Decrypts(string keyPem, string password)
    {
        foreach (var create in new Func<AsymmetricAlgorithm>[] { ECDsa.Create, RSA.Create })
        {
            using var key = create();
            try
            {
                key.ImportFromEncryptedPem(keyPem, password);
                return true;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // Not this algorithm, or not this password.
            }
        }

        return false;
    }

    private static X509Certificate2 LoadPem(string certificatePath, string? keyPath, string? password, string passwordSetting)
    {
        var certificatePem = ReadText(certificatePath, "Certificate");
        if (!certificatePem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new ClusterTlsException(Setting("Certificate"), $"'{certificatePath}' holds no PEM certificate (-----BEGIN CERTIFICATE-----); a PFX file must end in .pfx or .p12");
        }

        var keySetting = string.IsNullOrWhiteSpace(keyPath) ? "Certificate" : "Key";
        var keyPem = keySetting == "Key" ? ReadText(keyPath!, "Key") : certificatePem;
        var encrypted = keyPem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (!encrypted && !keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw keySetting == "Key"
                ? new ClusterTlsException(Setting("Key"), $"'{keyPath}' holds no PEM private key")
                : new ClusterTlsException(Setting("Key"), $"is required: '{certificatePath}' holds no private key");
        }

        if (encrypted && password is null)
        {
            throw new ClusterTlsException(Setting("Password"), $"is required: the private key in '{(keySetting == "Key" ? keyPath : certificatePath)}' is encrypted");
        }

        var keyFile = keySetting == "Key" ? keyPath : certificatePath;
        if (encrypted && !Decrypts(keyPem, password!))
        {
            // X509Certificate2 reports a wrong password like a key that does not match: tell them apart first.
            throw new ClusterTlsException(passwordSetting, $"does not decrypt the private key in '{keyFile}' (a wrong password, or a key that is neither ECDSA nor RSA)");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = encrypted
                ? X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, password)
                : X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ClusterTlsException(Setting(keySetting), $"cannot use the private key in '{keyFile}' with '{certificatePath}': {e.Message}");
        }

        // A key created from PEM lives only in memory; TLS on some platforms needs it in a key store,
        // so it takes the same path as a PFX file.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
        }
    }
}
