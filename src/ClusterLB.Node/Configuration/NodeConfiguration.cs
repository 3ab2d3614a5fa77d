using ClusterLB.Core.Health;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Admin.Access;
using ClusterLB.Node.Listeners;
using ClusterLB.Node.Proxy;
using ClusterLB.Node.Authentication;

namespace ClusterLB.Node.Configuration;

/// <summary>
/// Everything a node reads from configuration, checked before anything starts: the node refuses to
/// start, naming each field at fault, rather than run or persist a half-valid setup.
/// </summary>
public sealed record NodeConfiguration(NodeOptions Options, RoutingTable ConfiguredTable, IReadOnlyList<ValidationError> Errors)
{
    /// <summary>The configured admin tokens; none means the node generates one at start.</summary>
    public IReadOnlyList<AdminToken> AdminTokens { get; init; } = [];

    /// <summary>Where the proxy listens, as Kestrel will bind it.</summary>
    public ProxyListeners ProxyListeners { get; init; } = new(ProxyListeners.DefaultUrls, true, true, new Dictionary<string, string?>());

    /// <summary>The private CAs that clusters may name for their backends' certificates.</summary>
    public BackendAuthorities BackendAuthorities { get; init; } = BackendAuthorities.None;

    /// <summary>The checked JWT bearer settings; null when the proxy authenticates nobody.</summary>
    public JwtBearerAuthentication? JwtBearer { get; init; }

    /// <summary>Reads and checks the <c>ClusterLB</c> and <c>ReverseProxy</c> sections.</summary>
    public static NodeConfiguration Read(IConfiguration configuration)
    {
        var errors = new List<ValidationError>();
        var options = new NodeOptions();
        try
        {
            configuration.GetSection(NodeOptions.Section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            errors.Add(new ValidationError(NodeOptions.Section, e.InnerException?.Message is { } inner ? $"{e.Message} {inner}" : e.Message));
        }

        ValidateOptions(options, errors);
        var listeners = ProxyListeners.Read(configuration, options.Listeners, errors);
        ValidateAdminCertificate(configuration, options, errors);
        var backendAuthorities = BackendAuthorities.Read(options.BackendTls, errors);
        errors.AddRange(KestrelLimitsSection.Check(configuration));
        var adminTokens = AdminToken.ReadConfigured(options.Admin, errors);
        var jwtBearer = JwtBearerAuthentication.Read(options.Authentication.JwtBearer, errors);

        var proxyErrors = new List<ValidationError>();
        var table = ReverseProxySection.Read(configuration, proxyErrors) with { Policies = options.Policies };
        errors.AddRange(proxyErrors);
        if (proxyErrors.Count == 0)
        {
            // Policies come from ClusterLB:Policies, routes and clusters from ReverseProxy.
            errors.AddRange(RoutingTableValidator.Validate(table).Select(e => e with
            {
                Field = e.Field.StartsWith("Policies:", StringComparison.Ordinal) ? $"{NodeOptions.Section}:{e.Field}" : $"{ReverseProxySection.Name}:{e.Field}",
            }));
        }

        return new NodeConfiguration(options, table, errors)
        {
            AdminTokens = adminTokens,
            ProxyListeners = listeners,
            BackendAuthorities = backendAuthorities,
            JwtBearer = jwtBearer,
        };
    }

    /// <summary>The admin listener: its URL, and its certificate when that URL is https.</summary>
    private static void ValidateAdminCertificate(IConfiguration configuration, NodeOptions options, List<ValidationError> errors)
    {
        if (!ListenUrl.TryParse(options.AdminUrl, out var admin, out var adminError))
        {
            errors.Add(new ValidationError("ClusterLB:AdminUrl", adminError));
            return;
        }

        const string at = "ClusterLB:Admin:Certificate";
        var contentRoot = configuration[HostDefaults.ContentRootKey] is { Length: > 0 } root ? root : Directory.GetCurrentDirectory();
        var hasCertificate = ProxyListeners.CheckCertificate(configuration.GetSection(at), at, contentRoot, errors);
        if (admin!.Https && !hasCertificate)
        {
            errors.Add(new ValidationError($"{at}:Path", "is required: ClusterLB:AdminUrl is https"));
        }
        else if (!admin.Https && hasCertificate)
        {
            errors.Add(new ValidationError(at, "is set, but ClusterLB:AdminUrl is not https"));
        }
    }

    /// <summary>An admin body may not come near the replication frame (4 MB), which also carries the rest of the table.</summary>
    private const long MaxAdminBodySize = 2 * 1024 * 1024;

    private static void ValidateOptions(NodeOptions options, List<ValidationError> errors)
    {
        if (!Observability.LogFormatOptions.Formats.Contains(options.Logging.Format, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new ValidationError("ClusterLB:Logging:Format", $"'{options.Logging.Format}' is not a log format ({string.Join(", ", Observability.LogFormatOptions.Formats)})"));
        }

        if (options.Https.HttpsPort is < 1 or > 65535)
        {
            errors.Add(new ValidationError("ClusterLB:Https:HttpsPort", $"{options.Https.HttpsPort} is not a TCP port (1-65535)"));
        }

        if (options.Https.Hsts.MaxAge < TimeSpan.Zero)
        {
            errors.Add(new ValidationError("ClusterLB:Https:Hsts:MaxAge", "must not be negative"));
        }

        if (options.Admin.MaxRequestBodySize is < 1024 or > MaxAdminBodySize)
        {
            errors.Add(new ValidationError("ClusterLB:Admin:MaxRequestBodySize", $"must be between 1024 and {MaxAdminBodySize} bytes, got {options.Admin.MaxRequestBodySize}"));
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add(new ValidationError("ClusterLB:DataDirectory", "is required"));
        }

        if (options.ShutdownDelay < TimeSpan.Zero)
        {
            errors.Add(new ValidationError("ClusterLB:ShutdownDelay", "must not be negative"));
        }

        if (options.ShutdownDrainTimeout < TimeSpan.Zero)
        {
            errors.Add(new ValidationError("ClusterLB:ShutdownDrainTimeout", "must not be negative"));
        }

        var health = options.Health;
        if (health.ReportInterval < TimeSpan.FromMilliseconds(10) || health.ReportInterval > TimeSpan.FromSeconds(10))
        {
            errors.Add(new ValidationError("ClusterLB:Health:ReportInterval", $"must be between 10 ms and 10 s, got {health.ReportInterval}"));
        }

        if (health.PassiveFailureRate is not (> 0 and <= 1))
        {
            errors.Add(new ValidationError("ClusterLB:Health:PassiveFailureRate", $"must be above 0 and at most 1, got {health.PassiveFailureRate}"));
        }

        if (health.ReactivationPeriod <= TimeSpan.Zero || health.ReactivationPeriod > HealthPolicyMetadata.LongestEjection)
        {
            errors.Add(new ValidationError("ClusterLB:Health:ReactivationPeriod", $"must be above zero and at most {HealthPolicyMetadata.LongestEjection}, got {health.ReactivationPeriod}"));
        }

        var affinity = options.Affinity;
        if (affinity.Shards < 1)
        {
            errors.Add(new ValidationError("ClusterLB:Affinity:Shards", $"must be at least 1, got {affinity.Shards}"));
        }

        if (affinity.MaxOverrides < 1)
        {
            errors.Add(new ValidationError("ClusterLB:Affinity:MaxOverrides", $"must be at least 1, got {affinity.MaxOverrides}"));
        }

        if (affinity.OverrideTtl <= TimeSpan.Zero)
        {
            errors.Add(new ValidationError("ClusterLB:Affinity:OverrideTtl", "must be positive"));
        }

        if (affinity.OverrideRefreshInterval < TimeSpan.Zero)
        {
            errors.Add(new ValidationError("ClusterLB:Affinity:OverrideRefreshInterval", "must not be negative"));
        }

        if (affinity.MaxKeyLength < 1)
        {
            errors.Add(new ValidationError("ClusterLB:Affinity:MaxKeyLength", $"must be at least 1 byte, got {affinity.MaxKeyLength}"));
        }

        if (affinity.ShardWriteInterval < TimeSpan.Zero)
        {
            errors.Add(new ValidationError("ClusterLB:Affinity:ShardWriteInterval", "must not be negative"));
        }

        if (options.Cluster.Port is < 0 or > 65535)
        {
            errors.Add(new ValidationError("ClusterLB:Cluster:Port", $"{options.Cluster.Port} is not a TCP port (0-65535)"));
        }

        for (var i = 0; i < options.Cluster.Seeds.Count; i++)
        {
            if (!Uri.TryCreate(options.Cluster.Seeds[i], UriKind.Absolute, out var seed) || seed.Scheme is not ("akka.tcp" or "akka.ssl.tcp") || seed.Port <= 0)
            {
                errors.Add(new ValidationError($"ClusterLB:Cluster:Seeds:{i}", $"'{options.Cluster.Seeds[i]}' is not a seed address like akka.tcp://{options.Cluster.Name}@10.0.0.1:4053"));
            }
            else if (seed.UserInfo != options.Cluster.Name)
            {
                errors.Add(new ValidationError($"ClusterLB:Cluster:Seeds:{i}", $"names cluster '{seed.UserInfo}', but this node's ClusterLB:Cluster:Name is '{options.Cluster.Name}'"));
            }
        }

        TlsConfiguration.Validate(options.Cluster, errors);
        options.Compression.Validate(errors, "ClusterLB:Compression");
        options.Forwarding.Validate(errors, "ClusterLB:Forwarding");
        options.RequestId.Validate(errors, "ClusterLB:RequestId");

        if (options.Persistence.Provider == Cluster.Hosting.JournalProvider.PostgreSql && string.IsNullOrWhiteSpace(options.Persistence.ConnectionString))
        {
            errors.Add(new ValidationError("ClusterLB:Persistence:ConnectionString", "is required when Provider is PostgreSql"));
        }

        if (options.Persistence.SnapshotEvery < 1)
        {
            errors.Add(new ValidationError("ClusterLB:Persistence:SnapshotEvery", $"must be at least 1 (events between two snapshots of the routing table), got {options.Persistence.SnapshotEvery}"));
        }

        if (options.Demo.Enabled)
        {
            for (var i = 0; i < options.Demo.Backends.Count; i++)
            {
                if (!ListenUrl.TryParse(options.Demo.Backends[i].Url, out var demo, out var demoError) || demo!.Https)
                {
                    errors.Add(new ValidationError($"ClusterLB:Demo:Backends:{i}:Url", demo?.Https == true ? "demo backends speak http only" : demoError));
                }
            }
        }
    }
}
