using ClusterLB.EchoBackend;
using ClusterLB.Node.Configuration;

namespace ClusterLB.Node.Demo;

/// <summary>
/// Demo mode: starts the configured echo backends inside the node, on loopback, so that a fresh
/// <c>dotnet run</c> has something to balance over. Off in production configuration.
/// </summary>
internal sealed partial class DemoBackends(NodeOptions options, ILogger<DemoBackends> logger) : IHostedService, IAsyncDisposable
{
    private readonly List<EchoServer> _servers = [];

    public IReadOnlyList<EchoServer> Servers => _servers;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var backend in options.Demo.Backends)
        {
            var server = EchoServer.Create(backend.Name, backend.Url);
            await server.StartAsync(cancellationToken);
            _servers.Add(server);
            Log.Started(logger, backend.Name, server.Url);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        _servers.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Demo backend {Name} listening on {Url}")]
        public static partial void Started(ILogger logger, string name, string url);
    }
}
