using Akka.Hosting;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Admin;
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
        var seed = new RoutingTableSeed(
            configuration.ConfiguredTable,
            $"the {ReverseProxySection.Name} configuration section",
            options.ImportReverseProxyOnStart);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var listener in options.EffectiveListeners)
            {
                Bind(kestrel, listener.Url, Enum.Parse<HttpProtocols>(listener.Protocols, ignoreCase: true));
            }
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownDrainTimeout);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(journal);
        builder.Services.AddSingleton<NodeState>();
        builder.Services.AddSingleton<IRoutingTableConsumer, RoutingTableApplier>();
        builder.Services.AddSingleton<YarpValidation>();
        builder.Services.AddRequestTimeouts();
        builder.Services.AddReverseProxy().LoadFromMemory([], []);
        if (options.Demo.Enabled)
        {
            builder.Services.AddHostedService<DemoBackends>();
        }

        builder.Services.AddAkka(options.Cluster.Name, (akka, _) => akka.WithClusterLB(options.Cluster, journal, seed));

        var proxy = builder.Build();
        proxy.UseRequestTimeouts();
        proxy.MapReverseProxy(pipeline =>
        {
            pipeline.UseProxyErrorResponses();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });

        var adminBuilder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = builder.Environment.EnvironmentName });
        adminBuilder.Logging.ClearProviders();
        adminBuilder.WebHost.ConfigureKestrel(kestrel => Bind(kestrel, options.AdminUrl, HttpProtocols.Http1AndHttp2));
        var admin = adminBuilder.Build();
        AdminApi.Map(admin, proxy.Services);

        return new ClusterLBNode(proxy, admin, configuration);
    }

    /// <summary>YARP's own objections to the configured table; empty when YARP accepts it.</summary>
    public Task<IReadOnlyList<ValidationError>> ValidateWithYarpAsync() =>
        _proxy.Services.GetRequiredService<YarpValidation>().ValidateAsync(Configuration.ConfiguredTable);

    /// <summary>Prepares the journal, then starts the proxy, the actor system and the admin listener.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _proxy.Services.GetRequiredService<Journal>().Prepare();
        await _proxy.StartAsync(cancellationToken);
        await _admin.StartAsync(cancellationToken);
    }

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
