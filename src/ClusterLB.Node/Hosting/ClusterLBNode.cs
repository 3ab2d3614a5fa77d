using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Node.Affinity;
using ClusterLB.Node.Caching;
using ClusterLB.Cluster.Caching;
using ClusterLB.Node.Authentication;
using ClusterLB.Node.Health;
using ClusterLB.Node.Policies;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Admin;
using ClusterLB.Node.Admin.Access;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Dashboard;
using ClusterLB.Node.Demo;
using ClusterLB.Node.Draining;
using ClusterLB.Node.Proxy;
using ClusterLB.Node.RateLimiting;
using ClusterLB.Node.Retries;
using ClusterLB.Node.Routing;
using ClusterLB.Node.Splitting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Security.Cryptography.X509Certificates;
using ClusterLB.Cluster.Security;
using ClusterLB.Node.Https;
using ClusterLB.Node.Listeners;
using ClusterLB.Node.Observability;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Node.Hosting;

/// <summary>
/// A balancer node: the proxy (Kestrel + YARP + the Akka.NET node) and, on its own listener, the
/// admin endpoints. Built from checked configuration; nothing opens the journal before <see cref="StartAsync"/>.
/// </summary>
public sealed partial class ClusterLBNode : IAsyncDisposable
{
    private readonly WebApplication _proxy;
    private readonly WebApplication _admin;

    private ClusterLBNode(WebApplication proxy, WebApplication admin, NodeConfiguration configuration)
    {
        _proxy = proxy;
        _admin = admin;
        Configuration = configuration;
    }

    /// <summary>The configuration the node was built from.</summary>
    public NodeConfiguration Configuration { get; }

    /// <summary>Services of the proxy side (the actor system, node state, YARP).</summary>
    public IServiceProvider Services => _proxy.Services;

    /// <summary>URLs the proxy listens on, once started.</summary>
    public IReadOnlyList<string> ProxyUrls => Addresses(_proxy);

    /// <summary>The file holding the generated admin token; null when tokens are configured.</summary>
    public string? GeneratedAdminTokenFile => _proxy.Services.GetRequiredService<AdminCredentials>().GeneratedTokenFile;

    /// <summary>The self-signed certificate of https listeners without one of their own; in use once such a listener started.</summary>
    public SelfSignedCertificate SelfSignedCertificate => _proxy.Services.GetRequiredService<SelfSignedCertificate>();

    /// <summary>The admin listener's endpoints, as its routing matches them.</summary>
    internal IEnumerable<Endpoint> AdminEndpoints => ((IEndpointRouteBuilder)_admin).DataSources.SelectMany(source => source.Endpoints);

    /// <summary>The admin listener's application, to map more endpoints on before <see cref="StartAsync"/>.</summary>
    internal IEndpointRouteBuilder AdminRoutes => _admin;

    /// <summary>URL of the admin listener, once started.</summary>
    public string AdminUrl => Addresses(_admin)[0];

    /// <summary>Builds a node from <paramref name="builder"/>, whose configuration has been read into <paramref name="configuration"/> without errors.</summary>
    public static ClusterLBNode Build(WebApplicationBuilder builder, NodeConfiguration configuration)
    {
        if (configuration.Errors.Count > 0)
        {
            throw new ArgumentException("configuration has errors: " + string.Join("; ", configuration.Errors), nameof(configuration));
        }

        var options = configuration.Options;
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        var journal = Journal.Resolve(options.Persistence, dataDirectory);
        var seed = new RoutingTableSeed(configuration.ConfiguredTable, $"the {ReverseProxySection.Name} configuration section");

        var selfSigned = new SelfSignedCertificate(dataDirectory, TimeProvider.System);
        ListenTheAspNetWay(builder, configuration.ProxyListeners, selfSigned);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownDrainTimeout);

        builder.AddNodeTelemetry(options.Metrics, options.Logging);
        builder.Services.AddSingleton(configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Health);
        builder.Services.AddSingleton(options.Affinity);
        builder.Services.AddSingleton(new AdminCredentials(configuration.AdminTokens, dataDirectory));
        builder.Services.AddSingleton(journal);
        builder.Services.AddSingleton(LastTableFile.For(dataDirectory, options.EffectiveNodeName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(selfSigned);
        builder.Services.AddSingleton(options.Https);
        builder.Services.AddSingleton<HttpsEnforcement>();
        builder.Services.AddSingleton(configuration.BackendAuthorities);
        builder.Services.AddSingleton<TlsMetadata>();
        builder.Services.AddSingleton<IForwarderHttpClientFactory, BackendTlsHttpClientFactory>();
        builder.Services.AddSingleton<IHostLifetime, WithdrawingLifetime>();
        builder.Services.AddSingleton<NodeState>();
        builder.Services.AddSingleton<PassiveHealthCounters>();
        builder.Services.AddSingleton<HealthObservations>();
        // Each probe's outcome is kept in the health observations (/admin/observe). Logged, it would be
        // four lines per probe at Information, whatever the configured levels: 40,000 a second for
        // 10,000 destinations probed every second.
        builder.Services.AddHttpClient(HealthMonitor.ProbeClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
            .RemoveAllLoggers();
        builder.Services.AddSingleton<AffinityOverrides>();
        builder.Services.AddSingleton<RoutingTableApplier>();
        builder.Services.AddSingleton<IRoutingTableConsumer>(s => s.GetRequiredService<RoutingTableApplier>());
        builder.Services.AddSingleton<HealthVerdictApplier>();
        builder.Services.AddSingleton<IHealthVerdictConsumer>(s => s.GetRequiredService<HealthVerdictApplier>());
        builder.Services.AddSingleton<IMemberReportSource, NodeReportSource>();
        var listeners = new NodeListeners();
        foreach (var url in configuration.ProxyListeners.Urls.Append(options.AdminUrl))
        {
            listeners.Add(url);
        }

        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton<YarpValidation>();
        builder.Services.Configure<RouteOptions>(routing => routing.SetParameterPolicy<LinearRegexRouteConstraint>("regex"));
        builder.Services.AddSingleton<IRoutingTableValidator>(s => s.GetRequiredService<YarpValidation>());
        builder.Services.AddRoutePolicies();
        builder.Services.AddClientEdge(options);
        builder.Services.AddNodeAuthentication(configuration.JwtBearer);
        builder.Services.AddReverseProxy().LoadFromMemory([], []);
        builder.Services.AddClusterLBPolicies();
        builder.Services.AddClusterRateLimiting();
        builder.Services.AddRetries();
        if (options.Demo.Enabled)
        {
            builder.Services.AddHostedService<DemoBackends>();
        }

        builder.Services.AddSingleton<ResponseCaches>();
        builder.Services.AddSingleton<IAppliedTableObserver>(s => s.GetRequiredService<ResponseCaches>());
        builder.Services.AddAkka(options.Cluster.Name, (akka, services) => akka
            .WithClusterLB(options.Cluster, journal, seed, services)
            .WithActors((system, _) => system.ActorOf(
                Props.Create(() => new ResponseCacheActor(services.GetRequiredService<ResponseCaches>())), PurgeCache.ActorName)));

        var proxy = builder.Build();
        if (configuration.ProxyListeners.DeprecatedListeners.Count > 0)
        {
            Log.DeprecatedListeners(proxy.Services.GetRequiredService<ILoggerFactory>().CreateLogger<ClusterLBNode>());
        }

        proxy.UseClientEdge();
        proxy.UseRoutePolicies();
        proxy.MapReverseProxy(pipeline =>
        {
            pipeline.UseTrafficSplits();
            pipeline.UseHttpsEnforcement();
            pipeline.UseAmbiguousPathRejection();
            pipeline.UseClusterRateLimiting();
            pipeline.UseResponseCache();
            pipeline.UseTrafficObservations();
            pipeline.UseProxyErrorResponses();
            pipeline.UseRetries();
            pipeline.UseAdminStatesAround(affinity => affinity.UseSessionAffinity());
            pipeline.UseLoadBalancing();
        });

        var adminBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = builder.Environment.EnvironmentName });
        // The admin listener is ClusterLB:AdminUrl alone: not the proxy's Urls, ASPNETCORE_URLS, HTTP_PORTS or
        // Kestrel section, which the slim builder would read from the environment and appsettings.json.
        adminBuilder.Configuration.Sources.Clear();
        adminBuilder.Configuration.AddInMemoryCollection([new(WebHostDefaults.PreferHostingUrlsKey, "false")]);
        adminBuilder.Logging.ClearProviders();
        var adminCertificate = AdminCertificate(options, builder.Environment.ContentRootPath);
        adminBuilder.WebHost.ConfigureKestrel(kestrel => BindAdmin(kestrel, options.AdminUrl, adminCertificate));
        var adminLogger = proxy.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ClusterLB.Node.Admin");
        adminBuilder.Services.AddProblemDetails(problems => AdminProblems.Configure(problems, adminLogger));
        adminBuilder.Services.AddAdminOpenApi();
        adminBuilder.Services.Configure<RouteHandlerOptions>(handlers => handlers.ThrowOnBadRequest = false); // a bad parameter is a 400 in every environment
        var admin = adminBuilder.Build();
        // Errors are problem details: an exception (500, no stack), an unmatched path (404) or method (405).
        admin.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = AdminProblems.StatusOf });
        admin.UseStatusCodePages();
        ListenUrl.TryParse(options.AdminUrl, out var adminListen, out _);
        var guard = new AdminGuard(
            proxy.Services.GetRequiredService<AdminCredentials>(),
            options.Admin,
            AdminGuard.HostNames(options.Admin, adminListen!.Host, [options.NodeName, options.Cluster.Hostname, options.Cluster.PublicHostname]),
            proxy.Services.GetRequiredService<ILoggerFactory>().CreateLogger<AdminGuard>());
        admin.Use(guard.InvokeAsync);
        AdminApi.Map(admin, proxy.Services);
        DashboardPages.Map(admin);
        NodeTelemetry.MapMetrics(admin, proxy.Services);

        return new ClusterLBNode(proxy, admin, configuration);
    }

    /// <summary>YARP's own objections to the configured table; empty when YARP accepts it.</summary>
    public Task<IReadOnlyList<ValidationError>> ValidateWithYarpAsync() =>
        _proxy.Services.GetRequiredService<YarpValidation>().ValidateAsync(Configuration.ConfiguredTable);

    /// <summary>Prepares the journal, then starts the proxy, the actor system and the admin listener.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        PrivateFiles.CreateDirectory(Path.GetFullPath(Configuration.Options.DataDirectory));
        _proxy.Services.GetRequiredService<RoutingTableApplier>().ApplyLastSaved();
        _proxy.Services.GetRequiredService<Journal>().Prepare();
        _proxy.Services.GetRequiredService<AdminCredentials>().EnsureToken(
            _proxy.Services.GetRequiredService<ILoggerFactory>().CreateLogger<AdminCredentials>());
        var lifetime = _proxy.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopping.Register(() =>
        {
            _proxy.Services.GetRequiredService<NodeState>().BeginStopping();
            // Already shutting down for a cluster reason when the host is told to stop: the cluster
            // removed this node; nobody asked it to stop.
            var reason = CoordinatedShutdown.Get(_proxy.Services.GetRequiredService<ActorSystem>()).ShutdownReason;
            WasRemovedByCluster = reason is CoordinatedShutdown.ClusterDowningReason or CoordinatedShutdown.ClusterLeavingReason;
        });
        await _proxy.StartAsync(cancellationToken);
        await _admin.StartAsync(cancellationToken);
        var listeners = _proxy.Services.GetRequiredService<NodeListeners>();
        foreach (var url in ProxyUrls.Append(AdminUrl))
        {
            listeners.Add(url); // ports given as 0 are known now
        }
    }

    /// <summary>
    /// Whether the cluster removed this node (downed by the split brain resolver, or told to leave
    /// by another member) rather than the node being asked to stop: the supervisor should restart it.
    /// </summary>
    public bool WasRemovedByCluster { get; private set; }

    /// <summary>Waits until the node is asked to stop (SIGTERM, Ctrl+C) or stops itself.</summary>
    public Task WaitForShutdownAsync() => _proxy.WaitForShutdownAsync();

    /// <summary>Stops accepting, drains in-flight requests, leaves the cluster.</summary>
    public async Task StopAsync()
    {
        await _admin.StopAsync();
        await _proxy.StopAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    /// <summary>
    /// The proxy listens where Kestrel's own configuration says (WebApplication binds the Kestrel section,
    /// reloading it and the certificate files it names on change); the deprecated alias and the defaults
    /// are added as that configuration.
    /// </summary>
    private static void ListenTheAspNetWay(WebApplicationBuilder builder, ProxyListeners listeners, SelfSignedCertificate selfSigned)
    {
        if (listeners.DeprecatedListeners.Count > 0)
        {
            builder.Configuration.AddInMemoryCollection(listeners.DeprecatedListeners);
        }

        if (listeners.UsesDefaults)
        {
            builder.WebHost.UseUrls([.. ProxyListeners.DefaultUrls]);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            KestrelLimitsSection.Configure(builder.Configuration, kestrel.Limits);
            if (listeners.NeedsSelfSignedCertificate)
            {
                // Kestrel applies these defaults first, then an endpoint's own certificate over them.
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = selfSigned.Certificate);
            }
        });
    }

    private static X509Certificate2? AdminCertificate(NodeOptions options, string contentRoot)
    {
        ListenUrl.TryParse(options.AdminUrl, out var listen, out _);
        if (!listen!.Https)
        {
            return null;
        }

        var certificate = options.Admin.Certificate;
        return CertificateFiles.Load(ProxyListeners.Source(certificate.Path, certificate.KeyPath, certificate.Password, "ClusterLB:Admin:Certificate", contentRoot));
    }

    private static void BindAdmin(KestrelServerOptions kestrel, string url, X509Certificate2? certificate)
    {
        ListenUrl.TryParse(url, out var listen, out _);
        Action<ListenOptions> configure = l =>
        {
            l.Protocols = HttpProtocols.Http1AndHttp2;
            if (certificate is not null)
            {
                l.UseHttps(certificate);
            }
        };
        if (listen!.Address is { } address)
        {
            kestrel.Listen(address, listen.Port, configure);
        }
        else
        {
            kestrel.ListenLocalhost(listen.Port, configure);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "ClusterLB:Listeners is deprecated: configure the proxy's listeners with Urls or Kestrel:Endpoints (docs/configuration.md, Listeners and HTTPS)")]
        public static partial void DeprecatedListeners(ILogger logger);
    }

    private static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}
