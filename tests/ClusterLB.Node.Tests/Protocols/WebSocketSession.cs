using System.Net.WebSockets;
using System.Text;

namespace ClusterLB.Node.Tests.Protocols;

/// <summary>A whole WebSocket message as received.</summary>
public sealed record WebSocketMessage(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A WebSocket client for proxy tests: sends and receives whole text and binary messages and takes part
/// in the close handshake, every wait bounded. <see cref="ConnectAsync"/> takes ws:// and wss:// alike;
/// a TLS test passes <c>configure</c> to trust its certificate.
/// </summary>
public sealed class WebSocketSession : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly ClientWebSocket _socket;

    private WebSocketSession(ClientWebSocket socket) => _socket = socket;

    public WebSocketState State => _socket.State;

    /// <summary>The close status the other side sent, once it has.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseStatusDescription => _socket.CloseStatusDescription;

    /// <summary>The WebSocket URI of <paramref name="path"/> on the server at <paramref name="baseAddress"/> (http to ws, https to wss).</summary>
    public static Uri UriOf(Uri baseAddress, string pathAndQuery)
    {
        var builder = new UriBuilder(new Uri(baseAddress, pathAndQuery));
        builder.Scheme = builder.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return builder.Uri;
    }

    public static async Task<WebSocketSession> ConnectAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        try
        {
            using var timeout = new CancellationTokenSource(Bound);
            await socket.ConnectAsync(uri, timeout.Token);
            return new WebSocketSession(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task SendTextAsync(string text) => SendAsync(WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text));

    public Task SendBinaryAsync(byte[] data) => SendAsync(WebSocketMessageType.Binary, data);

    /// <summary>Receives the next whole message; a Close message when the other side starts the close handshake.</summary>
    public async Task<WebSocketMessage> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await _socket.ReceiveAsync(buffer, timeout.Token);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        return new WebSocketMessage(result.MessageType, message.ToArray());
    }

    /// <summary>Starts the close handshake and waits for the other side's answer.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        using var timeout = new CancellationTokenSource(Bound);
        await _socket.CloseAsync(status, description, timeout.Token);
    }

    /// <summary>Answers a close the other side started.</summary>
    public async Task AnswerCloseAsync(WebSocketCloseStatus status, string description)
    {
        using var timeout = new CancellationTokenSource(Bound);
        await _socket.CloseOutputAsync(status, description, timeout.Token);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(WebSocketMessageType type, byte[] data)
    {
        using var timeout = new CancellationTokenSource(Bound);
        await _socket.SendAsync(data, type, endOfMessage: true, timeout.Token);
    }
}
