using ClusterLB.Cluster.Persistence;

namespace ClusterLB.Node.Admin.Access;

/// <summary>
/// The tokens the admin API accepts: the configured ones or, when none is configured, one the node
/// generates at first start and keeps in its data directory, readable only by its user.
/// </summary>
public sealed class AdminCredentials(IReadOnlyList<AdminToken> configured, string dataDirectory)
{
    /// <summary>Name of the generated token in logs.</summary>
    public const string GeneratedTokenName = "generated";

    private IReadOnlyList<AdminToken> _tokens = configured;

    /// <summary>The generated token's file; null while configured tokens are used.</summary>
    public string? GeneratedTokenFile { get; private set; }

    /// <summary>Where the generated token is kept in <paramref name="dataDirectory"/>.</summary>
    public static string TokenFileIn(string dataDirectory) => Path.Combine(dataDirectory, "admin.token");

    /// <summary>
    /// With no configured token, reads the generated one or creates it (mode 600), and logs the
    /// file's path, never the token. Called once at start, before the admin listener opens.
    /// </summary>
    public void EnsureToken(ILogger logger)
    {
        if (_tokens.Count > 0)
        {
            return;
        }

        var path = TokenFileIn(dataDirectory);
        PrivateFiles.CreateDirectory(dataDirectory);
        var secret = File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        if (secret.Length < AdminToken.MinimumLength)
        {
            secret = AdminToken.NewSecret();
            PrivateFiles.WriteAllText(path, secret + "\n");
            logger.LogWarning("No admin token is configured (ClusterLB:Admin:Tokens): generated a write token in {TokenFile}", path);
        }
        else
        {
            PrivateFiles.RestrictToOwner(path);
            logger.LogInformation("No admin token is configured (ClusterLB:Admin:Tokens): the admin API accepts the token in {TokenFile}", path);
        }

        GeneratedTokenFile = path;
        _tokens = [AdminToken.Create(GeneratedTokenName, AdminRole.Write, secret)];
    }

    /// <summary>The token whose secret is <paramref name="presented"/>, or null. Every token is compared, so timing reveals nothing.</summary>
    public AdminToken? Authenticate(string presented)
    {
        var hash = AdminToken.Hash(presented);
        AdminToken? match = null;
        foreach (var token in _tokens)
        {
            if (token.Matches(hash))
            {
                match = token;
            }
        }

        return match;
    }
}
