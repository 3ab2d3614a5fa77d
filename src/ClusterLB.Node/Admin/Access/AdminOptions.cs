namespace ClusterLB.Node.Admin.Access;

/// <summary>Who may use the admin listener and what it accepts (<c>ClusterLB:Admin</c>).</summary>
public sealed class AdminOptions
{
    /// <summary>The default cap on an admin request body: a whole cluster of 10,000 destinations fits, far below the replication frame.</summary>
    public const long DefaultMaxRequestBodySize = 1024 * 1024;

    /// <summary>
    /// Bearer tokens by name. None configured: the node generates one write token at first start in
    /// <c>&lt;DataDirectory&gt;/admin.token</c>.
    /// </summary>
    public Dictionary<string, AdminTokenOptions> Tokens { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Host names the admin listener answers to, besides IP literals, <c>localhost</c>, the machine
    /// name and the admin URL's host; <c>*</c> allows any (gives up the DNS-rebinding check).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Largest admin request body, in bytes.</summary>
    public long MaxRequestBodySize { get; set; } = DefaultMaxRequestBodySize;

    /// <summary>The certificate of an https <c>ClusterLB:AdminUrl</c>, in Kestrel's shape.</summary>
    public AdminCertificateOptions Certificate { get; set; } = new();
}

/// <summary>The admin listener's certificate (<c>ClusterLB:Admin:Certificate</c>), shaped like a Kestrel endpoint's.</summary>
public sealed class AdminCertificateOptions
{
    /// <summary>A PEM certificate (its key in <see cref="KeyPath"/>) or a PFX file.</summary>
    public string? Path { get; set; }

    /// <summary>The PEM private key of <see cref="Path"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of the PFX file or encrypted key; give it through the environment.</summary>
    public string? Password { get; set; }
}

/// <summary>One named admin token (<c>ClusterLB:Admin:Tokens:{name}</c>).</summary>
public sealed class AdminTokenOptions
{
    /// <summary>The secret itself, e.g. from an environment variable. Either this or <see cref="TokenFile"/>.</summary>
    public string? Token { get; set; }

    /// <summary>Path of a file holding the secret (surrounding whitespace ignored).</summary>
    public string? TokenFile { get; set; }

    /// <summary><c>read</c> (GET only) or <c>write</c> (everything).</summary>
    public string Role { get; set; } = "";
}

/// <summary>What a token may do.</summary>
public enum AdminRole
{
    /// <summary>Read status, the cluster view and the routing table.</summary>
    Read,

    /// <summary>Everything <see cref="Read"/> may, and change the routing table.</summary>
    Write,
}
