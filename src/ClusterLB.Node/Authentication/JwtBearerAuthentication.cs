using System.Security.Cryptography;
using ClusterLB.Core.Routing;
using Microsoft.IdentityModel.Tokens;

namespace ClusterLB.Node.Authentication;

/// <summary>
/// The checked JWT bearer settings: issuer, audience and the key tokens must be signed with, and the
/// signing algorithms that key allows (so a token cannot choose a weaker one).
/// </summary>
public sealed class JwtBearerAuthentication
{
    private const string At = "ClusterLB:Authentication:JwtBearer";

    /// <summary>Minimum size of a symmetric key: HMAC-SHA256 needs 256 bits.</summary>
    public const int MinimumSymmetricKeyBytes = 32;

    private JwtBearerAuthentication(string issuer, string audience, SecurityKey key, IReadOnlyList<string> algorithms, string roleClaimType)
    {
        Issuer = issuer;
        Audience = audience;
        SigningKey = key;
        Algorithms = algorithms;
        RoleClaimType = roleClaimType;
    }

    /// <summary>The <c>iss</c> a token must carry.</summary>
    public string Issuer { get; }

    /// <summary>The <c>aud</c> a token must carry.</summary>
    public string Audience { get; }

    /// <summary>The key that verifies a token's signature.</summary>
    public SecurityKey SigningKey { get; }

    /// <summary>The signing algorithms accepted with <see cref="SigningKey"/>.</summary>
    public IReadOnlyList<string> Algorithms { get; }

    /// <summary>The claim that carries the caller's roles.</summary>
    public string RoleClaimType { get; }

    /// <summary>
    /// The checked settings, or null when none are set. Each fault is added to <paramref name="errors"/>
    /// with its field; no message carries a key.
    /// </summary>
    public static JwtBearerAuthentication? Read(JwtBearerSettings settings, List<ValidationError> errors)
    {
        if (!settings.IsConfigured)
        {
            return null;
        }

        var count = errors.Count;
        if (string.IsNullOrWhiteSpace(settings.Issuer))
        {
            errors.Add(new($"{At}:Issuer", "is required: the 'iss' of the tokens to accept"));
        }

        if (string.IsNullOrWhiteSpace(settings.Audience))
        {
            errors.Add(new($"{At}:Audience", "is required: the 'aud' of the tokens to accept"));
        }

        if (string.IsNullOrWhiteSpace(settings.RoleClaimType))
        {
            errors.Add(new($"{At}:RoleClaimType", "must not be empty"));
        }

        var key = ReadKey(settings, errors);
        return errors.Count > count || key is null
            ? null
            : new JwtBearerAuthentication(settings.Issuer!, settings.Audience!, key.Value.Key, key.Value.Algorithms, settings.RoleClaimType);
    }

    private static (SecurityKey Key, string[] Algorithms)? ReadKey(JwtBearerSettings settings, List<ValidationError> errors)
    {
        var hasInline = !string.IsNullOrEmpty(settings.SigningKey);
        var hasFile = !string.IsNullOrWhiteSpace(settings.SigningKeyFile);
        if (hasInline == hasFile)
        {
            errors.Add(new($"{At}:SigningKey", "set exactly one of SigningKey (a base64 symmetric key) and SigningKeyFile (a PEM public key)"));
            return null;
        }

        return hasInline ? SymmetricKey(settings.SigningKey!, errors) : PublicKey(settings.SigningKeyFile!, errors);
    }

    private static (SecurityKey, string[])? SymmetricKey(string base64, List<ValidationError> errors)
    {
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64.Trim(), bytes, out var length))
        {
            errors.Add(new($"{At}:SigningKey", "is not base64"));
            return null;
        }

        if (length < MinimumSymmetricKeyBytes)
        {
            errors.Add(new($"{At}:SigningKey", $"the key has {length} bytes; at least {MinimumSymmetricKeyBytes} (256 bits) are required"));
            return null;
        }

        return (new SymmetricSecurityKey(bytes[..length]), [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512]);
    }

    private static (SecurityKey, string[])? PublicKey(string path, List<ValidationError> errors)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            errors.Add(new($"{At}:SigningKeyFile", $"cannot read '{path}': {e.Message}"));
            return null;
        }

        // Only a public key: the node verifies tokens and must never hold what signs them.
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not ("PUBLIC KEY" or "RSA PUBLIC KEY"))
        {
            errors.Add(new($"{At}:SigningKeyFile", $"'{path}' does not hold a PEM public key ('-----BEGIN PUBLIC KEY-----'), RSA or ECDSA"));
            return null;
        }

        var block = pem[fields.Location];
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(block);
            return (new RsaSecurityKey(rsa),
                [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                 SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512]);
        }
        catch (CryptographicException)
        {
            rsa.Dispose(); // not an RSA key: an ECDSA one, or neither
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(block);
            return (new ECDsaSecurityKey(ecdsa), [SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512]);
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
            errors.Add(new($"{At}:SigningKeyFile", $"'{path}' holds a public key that is neither RSA nor ECDSA, or is malformed"));
            return null;
        }
    }
}
