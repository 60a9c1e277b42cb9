using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// The primitive writes of the compact snapshot format: little-endian scalars, length-prefixed arrays of unmanaged
/// values written as their bytes, fixed-size records packed field by field (no padding, so equal snapshots give equal
/// files), and length-prefixed UTF-8 string lists. Everything written is checksummed (CRC-64) so the reader can tell a
/// damaged file from a valid one.
/// </summary>
internal sealed class CompactOutput : IDisposable
{
    /// <summary>Encodes one record into exactly the record size given to <see cref="Records{T}"/>.</summary>
    public delegate void RecordWriter<T>(in T item, Span<byte> destination);

    private const int BufferSize = 1 << 16;

    private readonly Stream _stream;
    private readonly Crc64 _checksum = new();
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _used;

    public CompactOutput(Stream stream)
    {
        CompactFormat.EnsureLittleEndian();
        _stream = stream;
    }

    /// <summary>Bytes written so far, the trailer included once <see cref="Finish"/> ran.</summary>
    public long Written { get; private set; }

    public void Byte(byte value) => Bytes([value]);

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int32(int value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Bytes(bytes);
    }

    public void Int64(long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        Bytes(bytes);
    }

    /// <summary>A count, then the items' bytes (the format is little-endian, as is every platform .NET runs on here).</summary>
    public void Array<T>(ReadOnlySpan<T> items)
        where T : unmanaged
    {
        Int32(items.Length);
        Bytes(MemoryMarshal.AsBytes(items));
    }

    /// <summary>A count, then each record in <paramref name="size"/> bytes.</summary>
    public void Records<T>(ReadOnlySpan<T> items, int size, RecordWriter<T> write)
    {
        Int32(items.Length);
        foreach (ref readonly T item in items)
        {
            if (size > _buffer.Length - _used)
            {
                Flush();
            }

            write(in item, _buffer.AsSpan(_used, size));
            _used += size;
            Written += size;
        }
    }

    /// <summary>A count, the UTF-8 byte length of each string, the total length, then all their bytes.</summary>
    public void Strings(IReadOnlyList<string> values) => Utf8Strings(Utf8StringColumn.From(values));

    /// <summary><see cref="Strings"/>' layout, from a column already in UTF-8 (pod names and uids are written as they are held).</summary>
    public void Utf8Strings(Utf8StringColumn column)
    {
        ReadOnlySpan<int> starts = column.Starts;
        int[] lengths = ArrayPool<int>.Shared.Rent(Math.Max(column.Count, 1));
        try
        {
            for (int i = 0; i < column.Count; i++)
            {
                lengths[i] = starts[i + 1] - starts[i];
            }

            Array<int>(lengths.AsSpan(0, column.Count));
            Int64(column.Bytes.Length);
            Bytes(column.Bytes);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(lengths);
        }
    }

    public void String(string value) => Strings([value]);

    /// <summary>Writes the trailer (end marker and the hash of everything before it) and flushes.</summary>
    public void Finish()
    {
        Flush();
        Span<byte> trailer = stackalloc byte[CompactFormat.TrailerLength];
        CompactFormat.EndMarker.CopyTo(trailer);
        BinaryPrimitives.WriteUInt64LittleEndian(trailer[CompactFormat.EndMarker.Length..], _checksum.GetCurrentHashAsUInt64());
        _stream.Write(trailer);
        Written += trailer.Length;
        _stream.Flush();
    }

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private void Bytes(ReadOnlySpan<byte> data)
    {
        Written += data.Length;
        if (data.Length <= _buffer.Length - _used)
        {
            data.CopyTo(_buffer.AsSpan(_used));
            _used += data.Length;
            return;
        }

        Flush();
        if (data.Length < _buffer.Length)
        {
            data.CopyTo(_buffer);
            _used = data.Length;
            return;
        }

        _checksum.Append(data);
        _stream.Write(data);
    }

    private void Flush()
    {
        if (_used > 0)
        {
            _checksum.Append(_buffer.AsSpan(0, _used));
            _stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }
}
