namespace ClusterLB.Cli.Admin;

/// <summary>
/// Where the admin API is and which token to send: the command line first, then the environment
/// (<c>CLUSTERLB_SERVER</c>, <c>CLUSTERLB_TOKEN</c>), then the token file a local node generated.
/// </summary>
internal sealed record AdminConnection(Uri Server, string? Token)
{
    public const string DefaultServer = "http://localhost:9090";

    /// <summary>Where a node started from the repository or from its own folder keeps its generated token.</summary>
    public static readonly string[] DefaultTokenFiles =
    [
        Path.Combine("src", "ClusterLB.Node", "data", "admin.token"),
        Path.Combine("data", "admin.token"),
    ];

    public static AdminConnection Resolve(string? server, string? token, string? tokenFile, CliEnvironment environment)
    {
        server ??= environment.Variable("CLUSTERLB_SERVER") is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultServer;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw CliFailure.Usage($"--server '{server}' is not an http:// or https:// address");
        }

        token ??= environment.Variable("CLUSTERLB_TOKEN") is { Length: > 0 } tokenFromEnvironment ? tokenFromEnvironment : ReadTokenFile(tokenFile, environment);
        return new AdminConnection(uri, token);
    }

    private static string? ReadTokenFile(string? tokenFile, CliEnvironment environment)
    {
        if (tokenFile is not null)
        {
            var path = Path.Combine(environment.WorkingDirectory, tokenFile);
            return File.Exists(path)
                ? File.ReadAllText(path).Trim()
                : throw CliFailure.Usage($"--token-file '{tokenFile}' does not exist");
        }

        return DefaultTokenFiles
            .Select(file => Path.Combine(environment.WorkingDirectory, file))
            .Where(File.Exists)
            .Select(path => File.ReadAllText(path).Trim())
            .FirstOrDefault();
    }
}
