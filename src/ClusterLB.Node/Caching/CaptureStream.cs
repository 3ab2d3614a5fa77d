namespace ClusterLB.Node.Caching;

/// <summary>
/// Stands in for the response body while the backend's answer is copied: keeps a copy of up to
/// <c>limit</c> bytes for the cache. Passing through, every write also goes to the client at once;
/// holding, nothing does until the caller decides (a 304 to a revalidation never reaches the client),
/// unless the answer outgrows the limit, which ends the hold.
/// </summary>
internal sealed class CaptureStream(Stream inner, long limit, bool hold) : Stream
{
    private readonly MemoryStream _copy = new();

    /// <summary>Whether the answer was larger than the limit: nothing usable was kept.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>The bytes kept.</summary>
    public ReadOnlyMemory<byte> Captured => _copy.GetBuffer().AsMemory(0, (int)_copy.Length);

    private bool Passing => !hold || Overflowed;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Overflowed)
        {
            if (_copy.Length + buffer.Length <= limit)
            {
                _copy.Write(buffer.Span);
            }
            else
            {
                Overflowed = true;
                if (hold)
                {
                    await inner.WriteAsync(Captured, cancellationToken); // what was held goes out first
                }

                _copy.SetLength(0);
            }
        }

        if (Passing)
        {
            await inner.WriteAsync(buffer, cancellationToken);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Passing ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
