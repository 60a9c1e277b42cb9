namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// A read-only stream that returns bytes already taken from <paramref name="inner"/> (to recognise the format of a pipe
/// or a gzip stream, which cannot seek back) before the rest of <paramref name="inner"/>.
/// </summary>
internal sealed class ReplayStream(ReadOnlyMemory<byte> head, Stream inner) : ReadOnlyStream
{
    private ReadOnlyMemory<byte> _head = head;

    public override int Read(Span<byte> buffer)
    {
        if (_head.IsEmpty)
        {
            return inner.Read(buffer);
        }

        int taken = Math.Min(buffer.Length, _head.Length);
        _head.Span[..taken].CopyTo(buffer);
        _head = _head[taken..];
        return taken;
    }
}
