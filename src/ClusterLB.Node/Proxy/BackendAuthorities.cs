using System.Security.Cryptography.X509Certificates;
using ClusterLB.Cluster.Security;
using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Proxy;

/// <summary>A private certificate authority backends' certificates may chain to (<c>ClusterLB:BackendTls:Authorities:{name}</c>).</summary>
public sealed class BackendAuthorityOptions
{
    /// <summary>PEM file of the CA certificate(s).</summary>
    public string? Path { get; set; }
}

/// <summary>HTTPS to backends (<c>ClusterLB:BackendTls</c>).</summary>
public sealed class BackendTlsOptions
{
    /// <summary>Private CAs by name; a cluster picks one with its metadata <see cref="BackendAuthorities.MetadataKey"/>.</summary>
    public Dictionary<string, BackendAuthorityOptions> Authorities { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The named private CAs of this node, read and checked at start.</summary>
public sealed class BackendAuthorities
{
    /// <summary>Cluster metadata naming the CA its destinations' certificates chain to.</summary>
    public const string MetadataKey = "ClusterLB.BackendCa";

    /// <summary>Where the CAs are configured.</summary>
    public const string Section = "ClusterLB:BackendTls:Authorities";

    private readonly IReadOnlyDictionary<string, X509Certificate2Collection> _authorities;

    private BackendAuthorities(IReadOnlyDictionary<string, X509Certificate2Collection> authorities) => _authorities = authorities;

    /// <summary>No private CA.</summary>
    public static BackendAuthorities None { get; } = new(new Dictionary<string, X509Certificate2Collection>());

    /// <summary>Reads the CAs of <paramref name="options"/>, adding to <paramref name="errors"/> each that cannot be used.</summary>
    public static BackendAuthorities Read(BackendTlsOptions options, List<ValidationError> errors)
    {
        var authorities = new Dictionary<string, X509Certificate2Collection>(StringComparer.Ordinal);
        foreach (var (name, authority) in options.Authorities)
        {
            try
            {
                authorities[name] = CertificateFiles.LoadAuthorities(authority.Path, $"{Section}:{name}:Path");
            }
            catch (ClusterTlsException e)
            {
                errors.Add(new ValidationError(e.Setting, e.Message));
            }
        }

        return new BackendAuthorities(authorities);
    }

    /// <summary>Whether <paramref name="name"/> is a CA of this node.</summary>
    public bool Contains(string name) => _authorities.ContainsKey(name);

    /// <summary>The CA certificates named <paramref name="name"/>.</summary>
    public bool TryGet(string name, out X509Certificate2Collection authorities) =>
        _authorities.TryGetValue(name, out authorities!);
}
