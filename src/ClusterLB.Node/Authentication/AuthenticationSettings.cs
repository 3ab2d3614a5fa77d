namespace ClusterLB.Node.Authentication;

/// <summary>
/// How the proxy identifies callers (<c>ClusterLB:Authentication</c>). Node configuration, not the
/// replicated table: signing keys stay on the node, and each node of a cluster is given the same.
/// </summary>
public sealed class AuthenticationSettings
{
    /// <summary>JWT bearer tokens; none configured means nobody is authenticated.</summary>
    public JwtBearerSettings JwtBearer { get; set; } = new();
}

/// <summary>
/// Bearer tokens checked against a key the node holds (<c>ClusterLB:Authentication:JwtBearer</c>);
/// the node never fetches keys or metadata over the network.
/// </summary>
public sealed class JwtBearerSettings
{
    /// <summary>The <c>iss</c> a token must carry.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> a token must carry.</summary>
    public string? Audience { get; set; }

    /// <summary>A symmetric key (HMAC), base64, at least 32 bytes; give it through the environment, not a file in the repository.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A file holding the issuer's PEM public key, RSA or ECDSA.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>The claim that carries the caller's roles, for a policy's <c>Roles</c>.</summary>
    public string RoleClaimType { get; set; } = "role";

    /// <summary>Whether any field is set: then all that is needed must be.</summary>
    internal bool IsConfigured =>
        !string.IsNullOrEmpty(Issuer) || !string.IsNullOrEmpty(Audience) || !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(SigningKeyFile);
}
