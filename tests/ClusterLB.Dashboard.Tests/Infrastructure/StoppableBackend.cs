using ClusterLB.EchoBackend;

namespace ClusterLB.Dashboard.Tests.Infrastructure;

/// <summary>A real echo backend on a loopback port that a test can stop midway, and that is stopped once at the end.</summary>
public sealed class StoppableBackend : IAsyncDisposable
{
    private readonly EchoServer _server;
    private int _stopped;

    private StoppableBackend(EchoServer server) => _server = server;

    public string Name => _server.Name;

    public string Url => _server.Url;

    public static async Task<StoppableBackend> StartAsync(string name)
    {
        var server = EchoServer.Create(name, "http://127.0.0.1:0");
        await server.StartAsync();
        return new StoppableBackend(server);
    }

    /// <summary>Stops the backend: its port refuses connections from now on.</summary>
    public ValueTask StopAsync() => Interlocked.Exchange(ref _stopped, 1) == 0 ? _server.DisposeAsync() : ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => StopAsync();
}
