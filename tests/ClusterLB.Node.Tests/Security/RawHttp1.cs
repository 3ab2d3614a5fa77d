using System.Net.Sockets;
using System.Text;

namespace ClusterLB.Node.Tests.Security;

/// <summary>A status line and headers as the proxy sent them.</summary>
public sealed record RawResponse(int Status, string Head);

/// <summary>What came back on one connection: the answers, and whether the proxy closed it.</summary>
public sealed record RawExchange(IReadOnlyList<RawResponse> Responses, bool ClosedByServer)
{
    public int? FirstStatus => Responses.Count > 0 ? Responses[0].Status : null;

    public override string ToString() =>
        $"{Responses.Count} response(s) [{string.Join(", ", Responses.Select(r => r.Status))}], {(ClosedByServer ? "closed by the server" : "left open")}";
}

/// <summary>
/// HTTP/1.1 written byte for byte over a socket, so that requests no HTTP client would send reach
/// the proxy as an attacker would send them.
/// </summary>
public sealed class RawHttp1 : IAsyncDisposable
{
    /// <summary>
    /// A request that closes the connection once answered: sent after an attack on the same
    /// connection, its answer (or the connection closing first) says the proxy has handled
    /// everything that was sent before it.
    /// </summary>
    public const string Closing = "GET /rec/last HTTP/1.1\r\nHost: lb.test\r\nConnection: close\r\n\r\n";

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly MemoryStream _received = new();

    private RawHttp1(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttp1> ConnectAsync(Uri proxy)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(proxy.Host, proxy.Port);
        return new RawHttp1(client);
    }

    /// <summary>Sends <paramref name="request"/> and <see cref="Closing"/>, then reads until the proxy closes the connection.</summary>
    public static async Task<RawExchange> ExchangeAsync(Uri proxy, string request, TimeSpan? timeout = null)
    {
        await using var connection = await ConnectAsync(proxy);
        await connection.SendAsync(request + Closing);
        return await connection.ReadUntilClosedAsync(timeout ?? TimeSpan.FromSeconds(15));
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends, and says false instead of throwing when the proxy has already closed the connection.</summary>
    public async Task<bool> TrySendAsync(string text)
    {
        try
        {
            await SendAsync(text);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Reads until the proxy closes the connection, or <paramref name="timeout"/> passes with it still open.</summary>
    public async Task<RawExchange> ReadUntilClosedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var closed = false;
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                _received.Write(buffer, 0, read);
            }

            closed = true;
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // Reset by the proxy: closed, not gracefully.
            closed = true;
        }

        return new RawExchange(ParseResponses(Encoding.Latin1.GetString(_received.ToArray())), closed);
    }

    // Finds each status line; bodies are skipped by the headers' framing (Content-Length or chunked).
    private static List<RawResponse> ParseResponses(string text)
    {
        var responses = new List<RawResponse>();
        var at = 0;
        while (at < text.Length && text.IndexOf("\r\n\r\n", at, StringComparison.Ordinal) is var end and >= 0)
        {
            var head = text[at..end];
            var statusLine = head.Split("\r\n")[0];
            if (!statusLine.StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusLine.Split(' ')[1], out var status))
            {
                break;
            }

            responses.Add(new RawResponse(status, head));
            at = end + 4;
            var contentLength = head.Split("\r\n").Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(p => int.Parse(p[1].Trim())).FirstOrDefault(-1);
            if (contentLength >= 0)
            {
                at += contentLength;
            }
            else if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
            {
                var last = text.IndexOf("\r\n0\r\n\r\n", at - 2, StringComparison.Ordinal);
                at = last < 0 ? text.Length : last + 7;
            }
        }

        return responses;
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
