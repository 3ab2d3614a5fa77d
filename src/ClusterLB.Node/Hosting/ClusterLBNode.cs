using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Node.Affinity;
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
using ClusterLB.Node.Demo;
using ClusterLB.Node.Proxy;
using ClusterLB.Node.Routing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Configuration;

namespace ClusterLB.Node.Hosting;

/// <summary>
/// A balancer node: the proxy (Kestrel + YARP + the Akka.NET node) and, on its own listener, the
/// admin endpoints. Built from checked configuration; nothing opens the journal before <see cref="StartAsync"/>.
/// </summary>
public sealed class ClusterLBNode : IAsyncDisposable
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

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            KestrelLimitsSection.Configure(builder.Configuration, kestrel.Limits);
            foreach (var listener in options.EffectiveListeners)
            {
                Bind(kestrel, listener.Url, Enum.Parse<HttpProtocols>(listener.Protocols, ignoreCase: true));
            }
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownDrainTimeout);

        builder.Services.AddSingleton(configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Health);
        builder.Services.AddSingleton(options.Affinity);
        builder.Services.AddSingleton(new AdminCredentials(configuration.AdminTokens, dataDirectory));
        builder.Services.AddSingleton(journal);
        builder.Services.AddSingleton(LastTableFile.For(dataDirectory, options.EffectiveNodeName));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IHostLifetime, WithdrawingLifetime>();
        builder.Services.AddSingleton<NodeState>();
        builder.Services.AddSingleton<PassiveHealthCounters>();
        builder.Services.AddSingleton<AffinityOverrides>();
        builder.Services.AddSingleton<RoutingTableApplier>();
        builder.Services.AddSingleton<IRoutingTableConsumer>(s => s.GetRequiredService<RoutingTableApplier>());
        builder.Services.AddSingleton<HealthVerdictApplier>();
        builder.Services.AddSingleton<IHealthVerdictConsumer>(s => s.GetRequiredService<HealthVerdictApplier>());
        builder.Services.AddSingleton<IMemberReportSource, NodeReportSource>();
        var listeners = new NodeListeners();
        foreach (var url in options.EffectiveListeners.Select(l => l.Url).Append(options.AdminUrl))
        {
            listeners.Add(url);
        }

        builder.Services.AddSingleton(listeners);
        builder.Services.AddSingleton<YarpValidation>();
        builder.Services.Configure<RouteOptions>(routing => routing.SetParameterPolicy<LinearRegexRouteConstraint>("regex"));
        builder.Services.AddSingleton<IRoutingTableValidator>(s => s.GetRequiredService<YarpValidation>());
        builder.Services.AddRoutePolicies();
        builder.Services.AddNodeAuthentication(configuration.JwtBearer);
        builder.Services.AddReverseProxy().LoadFromMemory([], []);
        builder.Services.AddClusterLBPolicies();
        if (options.Demo.Enabled)
        {
            builder.Services.AddHostedService<DemoBackends>();
        }

        builder.Services.AddAkka(options.Cluster.Name, (akka, services) => akka.WithClusterLB(options.Cluster, journal, seed, services));

        var proxy = builder.Build();
        proxy.UseRoutePolicies();
        proxy.MapReverseProxy(pipeline =>
        {
            pipeline.UseAmbiguousPathRejection();
            pipeline.UseTrafficObservations();
            pipeline.UseProxyErrorResponses();
            pipeline.UseConnectFailureRetry();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
        });

        var adminBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = builder.Environment.EnvironmentName });
        adminBuilder.Logging.ClearProviders();
        adminBuilder.WebHost.ConfigureKestrel(kestrel => Bind(kestrel, options.AdminUrl, HttpProtocols.Http1AndHttp2));
        var admin = adminBuilder.Build();
        ListenUrl.TryParse(options.AdminUrl, out var adminListen, out _);
        var guard = new AdminGuard(
            proxy.Services.GetRequiredService<AdminCredentials>(),
            options.Admin,
            AdminGuard.HostNames(options.Admin, adminListen!.Host, [options.NodeName, options.Cluster.Hostname, options.Cluster.PublicHostname]),
            proxy.Services.GetRequiredService<ILoggerFactory>().CreateLogger<AdminGuard>());
        admin.Use(guard.InvokeAsync);
        AdminApi.Map(admin, proxy.Services);

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

    private static void Bind(KestrelServerOptions kestrel, string url, HttpProtocols protocols)
    {
        ListenUrl.TryParse(url, out var listen, out _);
        if (listen!.Address is { } address)
        {
            kestrel.Listen(address, listen.Port, l => l.Protocols = protocols);
        }
        else
        {
            kestrel.ListenLocalhost(listen.Port, l => l.Protocols = protocols);
        }
    }

    private static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}
