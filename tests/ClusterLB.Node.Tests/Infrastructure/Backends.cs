using ClusterLB.EchoBackend;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>Real echo backends on loopback ports, started for a test and stopped after it.</summary>
public sealed class Backends : IAsyncDisposable
{
    private readonly List<EchoServer> _servers = [];

    public IReadOnlyList<EchoServer> Servers => _servers;

    public EchoServer this[int index] => _servers[index];

    public static async Task<Backends> StartAsync(params string[] names)
    {
        var backends = new Backends();
        foreach (var name in names)
        {
            var server = EchoServer.Create(name, "http://127.0.0.1:0");
            await server.StartAsync();
            backends._servers.Add(server);
        }

        return backends;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>A loopback port nothing listens on: connections to it are refused.</summary>
public static class ClosedPort
{
    public static int Find()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
