using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ClusterLB.Cluster.Security;

/// <summary>
/// Where a certificate with its private key comes from, and the configuration path of each part, so that
/// an error names the setting at fault (e.g. <c>Kestrel:Endpoints:web:Certificate:Path</c>).
/// </summary>
/// <param name="Path">A PEM certificate, or a PFX/PKCS#12 file.</param>
/// <param name="PathSetting">The configuration path of <paramref name="Path"/>.</param>
/// <param name="KeyPath">The PEM private key, when not inside <paramref name="Path"/>.</param>
/// <param name="KeyPathSetting">The configuration path of <paramref name="KeyPath"/>.</param>
/// <param name="Password">Password of the PFX file or of the encrypted PEM key.</param>
/// <param name="PasswordSetting">The configuration path the password came from.</param>
/// <param name="KeyInPemFile">Whether a PEM <paramref name="Path"/> may hold the key itself (Kestrel reads it only from <paramref name="KeyPath"/>).</param>
public sealed record CertificateSource(
    string? Path,
    string PathSetting,
    string? KeyPath,
    string KeyPathSetting,
    string? Password,
    string PasswordSetting,
    bool KeyInPemFile = true);

/// <summary>
/// Opens certificates with their private keys and CA bundles from files, reporting what is wrong
/// (missing or unreadable file, wrong password, no private key) as a <see cref="ClusterTlsException"/> naming the setting.
/// The one reader of certificate files for remoting, the proxy's and admin's HTTPS listeners and backend CAs.
/// </summary>
public static class CertificateFiles
{
    /// <summary>Opens the certificate and private key of <paramref name="source"/>; the caller disposes it.</summary>
    public static X509Certificate2 Load(CertificateSource source)
    {
        if (string.IsNullOrWhiteSpace(source.Path))
        {
            throw new ClusterTlsException(source.PathSetting, "is required (a file path)");
        }

        var bytes = ReadBytes(source.Path, source.PathSetting);
        return string.IsNullOrWhiteSpace(source.KeyPath) && (IsPkcs12Path(source.Path) || X509Certificate2.GetCertContentType(bytes) == X509ContentType.Pkcs12)
            ? LoadPkcs12(source, bytes)
            : LoadPem(source, bytes);
    }

    /// <summary>Reads the CA certificates of a PEM bundle; each must be a CA (basic constraints CA:TRUE).</summary>
    public static X509Certificate2Collection LoadAuthorities(string? path, string setting)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ClusterTlsException(setting, "is required (a PEM file of CA certificates)");
        }

        var pem = System.Text.Encoding.UTF8.GetString(ReadBytes(path, setting));
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new ClusterTlsException(setting, $"'{path}' is not a PEM certificate file: {e.Message}");
        }

        if (authorities.Count == 0)
        {
            throw new ClusterTlsException(setting, $"'{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }

        foreach (var authority in authorities)
        {
            if (authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
            {
                throw new ClusterTlsException(setting, $"'{path}' holds {authority.Subject}, which is not a CA certificate (basic constraints CA:TRUE)");
            }
        }

        return authorities;
    }

    /// <summary>Reads a text file, naming <paramref name="setting"/> when it cannot.</summary>
    public static string ReadText(string path, string setting) =>
        System.Text.Encoding.UTF8.GetString(ReadBytes(path, setting));

    private static byte[] ReadBytes(string path, string setting)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var reason = e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message;
            throw new ClusterTlsException(setting, $"cannot read '{path}': {reason}");
        }
    }

    private static bool IsPkcs12Path(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);

    private static X509Certificate2 LoadPkcs12(CertificateSource source, byte[] bytes)
    {
        if (X509Certificate2.GetCertContentType(bytes) != X509ContentType.Pkcs12)
        {
            throw new ClusterTlsException(source.PathSetting, $"'{source.Path}' is not a PFX/PKCS#12 file");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12(bytes, string.IsNullOrEmpty(source.Password) ? null : source.Password);
        }
        catch (CryptographicException e)
        {
            throw new ClusterTlsException(source.PasswordSetting, $"does not open '{source.Path}' ({e.Message})");
        }

        if (certificate.HasPrivateKey)
        {
            return certificate;
        }

        certificate.Dispose();
        throw new ClusterTlsException(source.PathSetting, $"'{source.Path}' holds no private key");
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

    private static X509Certificate2 LoadPem(CertificateSource source, byte[] bytes)
    {
        var certificatePath = source.Path!;
        var certificatePem = System.Text.Encoding.UTF8.GetString(bytes);
        if (!certificatePem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new ClusterTlsException(source.PathSetting, $"'{certificatePath}' holds no PEM certificate (-----BEGIN CERTIFICATE-----); a PFX file must end in .pfx or .p12");
        }

        var separateKey = !string.IsNullOrWhiteSpace(source.KeyPath);
        if (!separateKey && !source.KeyInPemFile)
        {
            throw new ClusterTlsException(source.KeyPathSetting, $"is required: '{certificatePath}' is a PEM certificate, and its private key comes from a separate PEM file");
        }

        var keyFile = separateKey ? source.KeyPath! : certificatePath;
        var keySetting = separateKey ? source.KeyPathSetting : source.PathSetting;
        var keyPem = separateKey ? ReadText(keyFile, source.KeyPathSetting) : certificatePem;
        var encrypted = keyPem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (!encrypted && !keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw separateKey
                ? new ClusterTlsException(source.KeyPathSetting, $"'{keyFile}' holds no PEM private key")
                : new ClusterTlsException(source.KeyPathSetting, $"is required: '{certificatePath}' holds no private key");
        }

        var password = string.IsNullOrEmpty(source.Password) ? null : source.Password;
        if (encrypted && password is null)
        {
            throw new ClusterTlsException(source.PasswordSetting, $"is required: the private key in '{keyFile}' is encrypted");
        }

        if (encrypted && !Decrypts(keyPem, password!))
        {
            // X509Certificate2 reports a wrong password like a key that does not match: tell them apart first.
            throw new ClusterTlsException(source.PasswordSetting, $"does not decrypt the private key in '{keyFile}' (a wrong password, or a key that is neither ECDSA nor RSA)");
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
            throw new ClusterTlsException(keySetting, $"cannot use the private key in '{keyFile}' with '{certificatePath}': {e.Message}");
        }

        // A key created from PEM lives only in memory; TLS on some platforms needs it in a key store,
        // so it takes the same path as a PFX file.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
        }
    }
}
