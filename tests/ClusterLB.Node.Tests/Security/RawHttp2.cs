using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// Cleartext HTTP/2 with prior knowledge, written frame by frame, so that a test can do what a
/// well-behaved client never does: open streams past the limit, or open and reset them at once.
/// Headers are HPACK literals without indexing, so no dynamic table is involved.
/// </summary>
public sealed class RawHttp2 : IAsyncDisposable
{
    public const int InternalError = 0x2;
    public const int RefusedStream = 0x7;
    public const int Cancel = 0x8;
    public const int EnhanceYourCalm = 0xb;

    private const byte Data = 0x0;
    private const byte Headers = 0x1;
    private const byte RstStream = 0x3;
    private const byte Settings = 0x4;
    private const byte GoAway = 0x7;
    private const byte EndStream = 0x1;
    private const byte EndHeaders = 0x4;
    private const byte Ack = 0x1;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _reader;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _responses;

    private RawHttp2(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _reader = Task.Run(ReadFramesAsync);
    }

    /// <summary>Streams the server reset, with the error code it gave.</summary>
    public ConcurrentDictionary<int, int> ResetByServer { get; } = new();

    /// <summary>Response HEADERS frames received.</summary>
    public int Responses => Volatile.Read(ref _responses);

    /// <summary>The GOAWAY the server sent: the last stream it processed and its error code.</summary>
    public (int LastStreamId, int ErrorCode)? GoAwayReceived { get; private set; }

    /// <summary>How the connection ended: "end of stream" when the server closed it gracefully.</summary>
    public string? ClosedWith { get; private set; }

    /// <summary>Completes when the server closes the connection.</summary>
    public Task Closed => _closed.Task;

    public static async Task<RawHttp2> ConnectAsync(Uri proxy)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(proxy.Host, proxy.Port);
        var connection = new RawHttp2(client);
        var preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        await connection.WriteAsync([.. preface, .. Frame(Settings, 0, 0, [])]);
        return connection;
    }

    /// <summary>A GET request for <paramref name="path"/> on <paramref name="streamId"/>, headers and end of stream in one frame.</summary>
    public static byte[] Get(int streamId, string path, string authority = "lb.test")
    {
        var block = new List<byte>
        {
            0x82, // :method GET (static table 2)
            0x86, // :scheme http (static table 6)
        };
        AddLiteral(block, 4, path); // :path
        AddLiteral(block, 1, authority); // :authority
        return Frame(Headers, EndStream | EndHeaders, streamId, [.. block]);
    }

    /// <summary>RST_STREAM for <paramref name="streamId"/>.</summary>
    public static byte[] Reset(int streamId, int errorCode = Cancel)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(payload, errorCode);
        return Frame(RstStream, 0, streamId, payload);
    }

    /// <summary>Writes frames; false when the server has already closed the connection.</summary>
    public async Task<bool> TryWriteAsync(byte[] frames)
    {
        try
        {
            await WriteAsync(frames);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task WriteAsync(byte[] bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadFramesAsync()
    {
        var header = new byte[9];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header);
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = header[3];
                var flags = header[4];
                var streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7fffffff;
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload);
                switch (type)
                {
                    case Settings when (flags & Ack) == 0:
                        await WriteAsync(Frame(Settings, Ack, 0, []));
                        break;
                    case Headers:
                        Interlocked.Increment(ref _responses);
                        break;
                    case RstStream:
                        ResetByServer[streamId] = BinaryPrimitives.ReadInt32BigEndian(payload);
                        break;
                    case GoAway:
                        GoAwayReceived = (BinaryPrimitives.ReadInt32BigEndian(payload) & 0x7fffffff, BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4)));
                        break;
                    case Data:
                        break;
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            ClosedWith = e is EndOfStreamException ? "end of stream" : e.Message;
            _closed.TrySetResult();
        }
    }

    private static void AddLiteral(List<byte> block, byte nameIndex, string value)
    {
        // Literal header field without indexing, name from the static table (RFC 7541 6.2.2).
        block.Add(nameIndex);
        var bytes = Encoding.ASCII.GetBytes(value);
        if (bytes.Length >= 127)
        {
            throw new ArgumentException("values of 127 bytes or more need a multi-byte length", nameof(value));
        }

        block.Add((byte)bytes.Length);
        block.AddRange(bytes);
    }

    private static byte[] Frame(byte type, int flags, int streamId, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = (byte)flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        return frame;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _reader;
    }
}
