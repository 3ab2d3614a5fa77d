using ClusterLB.Node.Configuration;
using ClusterLB.Node.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>
/// A real ClusterLB node inside the test process: real Kestrel listeners on loopback ports, the real
/// actor system with its SQLite journal in a temporary directory, real YARP.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private TestNode(ClusterLBNode node, string dataDirectory)
    {
        Node = node;
        DataDirectory = dataDirectory;
        Proxy = new HttpClient { BaseAddress = new Uri(node.ProxyUrls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal)) ?? node.ProxyUrls[0]), Timeout = TimeSpan.FromSeconds(60) };
        Admin = AdminClient(WriteToken);
    }

    /// <summary>The write token every test node accepts (configured, as an operator would).</summary>
    public const string WriteToken = "test-write-token-0123456789abcdef0123456789";

    /// <summary>The read-only token every test node accepts.</summary>
    public const string ReadToken = "test-read-token-0123456789abcdef01234567890";

    public ClusterLBNode Node { get; }

    public string DataDirectory { get; }

    public HttpClient Proxy { get; }

    /// <summary>An admin client carrying the write token.</summary>
    public HttpClient Admin { get; }

    /// <summary>A new admin client carrying <paramref name="token"/>, or no token when null.</summary>
    public HttpClient AdminClient(string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(Node.AdminUrl), Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    /// <summary>
    /// Starts a node with <paramref name="settings"/> over test defaults, and waits until it is ready.
    /// Unless <paramref name="configureTestTokens"/> is false, it accepts <see cref="WriteToken"/> and <see cref="ReadToken"/>.
    /// <paramref name="services"/> adds services as an application embedding the node would, e.g. named policies;
    /// <paramref name="adminEndpoints"/> maps more endpoints on the admin listener, behind its guard and error handling.
    /// </summary>
    public static async Task<TestNode> StartAsync(
        IDictionary<string, string?> settings,
        string? dataDirectory = null,
        CapturedLogs? logs = null,
        bool waitUntilReady = true,
        bool configureTestTokens = true,
        Action<IServiceCollection>? services = null,
        Action<IEndpointRouteBuilder>? adminEndpoints = null)
    {
        dataDirectory ??= TempDirectory.Create("clusterlb-node");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = dataDirectory,
            EnvironmentName = "Testing",
        });
        var merged = new Dictionary<string, string?>(Defaults(dataDirectory), StringComparer.OrdinalIgnoreCase);
        if (!configureTestTokens)
        {
            foreach (var key in merged.Keys.Where(k => k.StartsWith("ClusterLB:Admin:Tokens:", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                merged.Remove(key);
            }
        }

        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(merged);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter(logs.GetType().FullName, LogLevel.Information);
        }

        services?.Invoke(builder.Services);
        var configuration = NodeConfiguration.Read(builder.Configuration);
        Assert.Empty(configuration.Errors);

        var node = ClusterLBNode.Build(builder, configuration);
        adminEndpoints?.Invoke(node.AdminRoutes);
        try
        {
            await node.StartAsync();
        }
        catch
        {
            await node.DisposeAsync(); // whatever started before the failure
            throw;
        }

        var testNode = new TestNode(node, dataDirectory);
        if (!waitUntilReady)
        {
            return testNode;
        }

        await Eventually.True(
            async () => (await testNode.Admin.GetAsync("/healthz/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30),
            "node readiness");
        return testNode;
    }

    public async ValueTask DisposeAsync()
    {
        Proxy.Dispose();
        Admin.Dispose();
        await Node.StopAsync();
        await Node.DisposeAsync();
    }

    private static Dictionary<string, string?> Defaults(string dataDirectory) => new(TestCertificateAuthority.ClusterNode.Settings)
    {
        ["ClusterLB:NodeName"] = "test-node",
        ["ClusterLB:DataDirectory"] = dataDirectory,
        ["Urls"] = "http://127.0.0.1:0",
        ["ClusterLB:AdminUrl"] = "http://127.0.0.1:0",
        ["ClusterLB:Cluster:Hostname"] = "127.0.0.1",
        ["ClusterLB:Cluster:Port"] = "0",
        ["ClusterLB:ShutdownDrainTimeout"] = "00:00:05",
        ["ClusterLB:Admin:Tokens:test-writer:Token"] = WriteToken,
        ["ClusterLB:Admin:Tokens:test-writer:Role"] = "write",
        ["ClusterLB:Admin:Tokens:test-reader:Token"] = ReadToken,
        ["ClusterLB:Admin:Tokens:test-reader:Role"] = "read",
        ["Logging:LogLevel:Default"] = "Warning",
    };
}

/// <summary>
/// Directories for one test's files, all under one directory of this test process that is deleted
/// when the process exits (the nodes and tools the tests started have stopped by then).
/// </summary>
public static class TempDirectory
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), $"clusterlb-tests-{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
        return root;
    });

    public static string Create(string prefix)
    {
        var path = Path.Combine(Root.Value, $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
