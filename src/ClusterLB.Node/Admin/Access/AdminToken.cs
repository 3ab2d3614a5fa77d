using System.Security.Cryptography;
using System.Text;
using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Admin.Access;

/// <summary>
/// A named bearer token of the admin API. Only a hash of the secret is kept, so that comparing a
/// presented token takes the same time whatever its length or how much of it matches.
/// </summary>
public sealed class AdminToken
{
    /// <summary>Shortest secret accepted: 32 characters.</summary>
    public const int MinimumLength = 32;

    private readonly byte[] _hash;

    private AdminToken(string name, AdminRole role, string secret)
    {
        Name = name;
        Role = role;
        _hash = Hash(secret);
    }

    /// <summary>The token's name, as logged when it is used.</summary>
    public string Name { get; }

    /// <summary>What it may do.</summary>
    public AdminRole Role { get; }

    /// <summary>A token named <paramref name="name"/> with <paramref name="role"/>.</summary>
    public static AdminToken Create(string name, AdminRole role, string secret) => new(name, role, secret);

    /// <summary>Whether <paramref name="presentedHash"/> is the hash of this token's secret, in time independent of either.</summary>
    public bool Matches(byte[] presentedHash) => CryptographicOperations.FixedTimeEquals(_hash, presentedHash);

    /// <summary>The hash <see cref="Matches"/> compares.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>A new random secret of 43 URL-safe characters (256 bits).</summary>
    public static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Reads the configured tokens, adding an error naming the setting for a missing or unreadable
    /// file, a short secret or an unknown role. Secrets never appear in an error.
    /// </summary>
    public static IReadOnlyList<AdminToken> ReadConfigured(AdminOptions options, List<ValidationError> errors)
    {
        var tokens = new List<AdminToken>();
        foreach (var (name, token) in options.Tokens)
        {
            var at = $"ClusterLB:Admin:Tokens:{name}";
            AdminRole? role = token.Role?.Trim().ToLowerInvariant() switch
            {
                "read" => AdminRole.Read,
                "write" => AdminRole.Write,
                _ => null,
            };
            if (role is null)
            {
                errors.Add(new($"{at}:Role", $"'{token.Role}' is not a role: read or write"));
            }

            var secret = ReadSecret(at, token, errors);
            if (secret is null)
            {
                continue;
            }

            if (secret.Length < MinimumLength)
            {
                errors.Add(new($"{at}:{(token.TokenFile is null ? "Token" : "TokenFile")}", $"the token has {secret.Length} characters; at least {MinimumLength} are required"));
            }
            else if (role is { } known)
            {
                tokens.Add(new AdminToken(name, known, secret));
            }
        }

        return tokens;
    }

    private static string? ReadSecret(string at, AdminTokenOptions token, List<ValidationError> errors)
    {
        var hasInline = !string.IsNullOrEmpty(token.Token);
        var hasFile = !string.IsNullOrWhiteSpace(token.TokenFile);
        if (hasInline == hasFile)
        {
            errors.Add(new(at, "set exactly one of Token and TokenFile"));
            return null;
        }

        if (hasInline)
        {
            return token.Token!.Trim();
        }

        try
        {
            return File.ReadAllText(token.TokenFile!).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new($"{at}:TokenFile", $"cannot read '{token.TokenFile}': {e.Message}"));
            return null;
        }
    }
}
