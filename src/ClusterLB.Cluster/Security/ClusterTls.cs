using System.Net;
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
        var authorities = CertificateFiles.LoadAuthorities(caPath, Setting("CaCertificate"));
        var node = CertificateFiles.Load(new CertificateSource(certificatePath, Setting("Certificate"), tls.Key, Setting("Key"), password, passwordSetting));

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
        return (CertificateFiles.ReadText(tls.PasswordFile, Setting("PasswordFile")).TrimEnd('\r', '\n'), Setting("PasswordFile"));
    }
}
