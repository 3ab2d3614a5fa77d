using System.Text.Json;
using Microsoft.Extensions.Options;
using ClusterLB.Node.Configuration;

namespace ClusterLB.Node.Hosting;

/// <summary>The node's entry point: read and check configuration, start, run until stopped.</summary>
public static class NodeProgram
{
    /// <summary>Exit code when configuration is refused.</summary>
    public const int ConfigurationErrorExitCode = 2;

    /// <summary>Exit code when the cluster removed the node: its supervisor should restart it.</summary>
    public const int RemovedByClusterExitCode = 4;

    /// <summary>Exit code when the node could not start, e.g. a port in use.</summary>
    public const int StartFailedExitCode = 3;

    /// <summary>Runs a node with <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(args);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException)
        {
            // A malformed appsettings file, e.g. a duplicate route id: JSON keys must be unique.
            return Refuse([$"configuration file: {e.Message}{(e.InnerException is { } inner ? " " + inner.Message : "")}"]);
        }

        var configuration = NodeConfiguration.Read(builder.Configuration);
        var errors = DuplicateKeys.InJsonFiles(builder.Configuration).Concat(configuration.Errors).ToList();
        if (errors.Count > 0)
        {
            return Refuse(errors.Select(e => e.ToString()));
        }

        await using var node = ClusterLBNode.Build(builder, configuration);
        var yarpErrors = await node.ValidateWithYarpAsync();
        if (yarpErrors.Count > 0)
        {
            return Refuse(yarpErrors.Select(e => $"{ReverseProxySection.Name}:{e}"));
        }

        try
        {
            await node.StartAsync();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OptionsValidationException)
        {
            // E.g. a port already in use or a bad Logging setting: say what, not a stack trace.
            Console.Error.WriteLine($"ClusterLB: the node could not start: {e.Message}");
            return StartFailedExitCode;
        }

        PrintWelcome(node);
        await node.WaitForShutdownAsync();
        await node.StopAsync();
        if (node.WasRemovedByCluster)
        {
            Console.Error.WriteLine("ClusterLB: the cluster removed this node (downed or told to leave); exiting so that the supervisor restarts it.");
            return RemovedByClusterExitCode;
        }

        return 0;
    }

    private static int Refuse(IEnumerable<string> errors)
    {
        Console.Error.WriteLine("ClusterLB: invalid configuration; the node did not start and wrote nothing:");
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"  {error}");
        }

        return ConfigurationErrorExitCode;
    }

    private static void PrintWelcome(ClusterLBNode node)
    {
        if (node.Configuration.Options.Logging.IsJson)
        {
            // Every line of a JSON log is one object: the welcome is a log line too.
            node.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ClusterLB.Node").LogInformation(
                "ClusterLB node {Node} is up; proxy {ProxyUrls}; admin {AdminUrl}",
                node.Configuration.Options.EffectiveNodeName, string.Join(", ", node.ProxyUrls), node.AdminUrl);
            return;
        }

        var proxy = node.ProxyUrls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal)) ?? node.ProxyUrls.FirstOrDefault() ?? "";
        var selfSigned = node.SelfSignedCertificate;
        var https = selfSigned.InUse
            ? $"\n  https:  self-signed certificate {selfSigned.CertificatePath}\n          SHA-256 fingerprint {selfSigned.Fingerprint}"
            : "";
        var token = node.GeneratedAdminTokenFile is { } file
            ? $"the admin token is in {file} (readable only by this user)"
            : "admin tokens come from ClusterLB:Admin:Tokens";
        var bearer = node.GeneratedAdminTokenFile is { } path ? $"$(cat {path})" : "$TOKEN";
        Console.WriteLine($"""

            ClusterLB node '{node.Configuration.Options.EffectiveNodeName}' is up.
              proxy:  {string.Join(", ", node.ProxyUrls)}{https}
              admin:  {node.AdminUrl}; {token}
              dashboard: {node.AdminUrl}/dashboard/ (log in with an admin token)
            Try:
              curl {proxy}/                      # answered by a backend, which says its name
              curl -H "Authorization: Bearer {bearer}" {node.AdminUrl}/admin/status
              curl {node.AdminUrl}/healthz/ready
            More in docs/tour.md. Ctrl+C stops the node.

            """);
    }
}
