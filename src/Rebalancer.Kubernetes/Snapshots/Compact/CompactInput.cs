using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// The primitive reads of the compact snapshot format (see <see cref="CompactOutput"/>). Every read names the field it
/// reads, so a truncated or damaged file is reported at its field path (<c>pods.labels.keys</c>), never as an
/// out-of-range exception later in the planner. Everything read is hashed and checked against the trailer.
/// </summary>
internal sealed class CompactInput
{
    // Arrays of a stream of unknown length grow as their bytes arrive, so a damaged count cannot allocate gigabytes.
    private const int UnknownLengthChunk = 1 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _stream;
    private readonly string _source;
    private readonly long _length;
    private readonly Crc64 _hash = new();

    public CompactInput(Stream stream, string source, long consumed)
    {
        CompactFormat.EnsureLittleEndian();
        _stream = stream;
        _source = source;
        Position = consumed;
        _length = stream.CanSeek ? stream.Length : -1;
    }

    /// <summary>Bytes consumed from the start of the file.</summary>
    public long Position { get; private set; }

    /// <summary>Hashes bytes read before this reader existed (the header).</summary>
    public void HashPrefix(ReadOnlySpan<byte> bytes) => _hash.Append(bytes);

    public byte Byte(string field)
    {
        Span<byte> bytes = stackalloc byte[1];
        Fill(bytes, field);
        return bytes[0];
    }

    public bool Bool(string field) => Byte(field) switch
    {
        0 => false,
        1 => true,
        byte other => throw Damaged(field, "not a boolean", other.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    };

    public int Int32(string field)
    {
        Span<byte> bytes = stackalloc byte[sizeof(int)];
        Fill(bytes, field);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    public long Int64(string field)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        Fill(bytes, field);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    /// <summary>A non-negative count; <paramref name="itemSize"/> bytes per item must still be in the file.</summary>
    public int Count(string field, int itemSize)
    {
        int count = Int32(field);
        if (count < 0 || (_length >= 0 && (long)count * itemSize > _length - Position))
        {
            throw Damaged(field, $"a count of {count} items does not fit in the {Math.Max(0, _length - Position)} bytes left; the file is truncated or damaged");
        }

        return count;
    }

    public T[] Array<T>(string field)
        where T : unmanaged
    {
        int count = Count(field, Unsafe.SizeOf<T>());
        return Items<T>(count, field);
    }

    /// <summary>An array that must have <paramref name="expected"/> items (a column of a table).</summary>
    public T[] Column<T>(string field, int expected)
        where T : unmanaged
    {
        T[] column = Array<T>(field);
        if (column.Length != expected)
        {
            throw Damaged(field, $"has {column.Length} items where {expected} were expected");
        }

        return column;
    }

    public bool[] Bools(string field, int expected)
    {
        bool[] column = Column<bool>(field, expected);
        foreach (byte value in MemoryMarshal.AsBytes(column.AsSpan()))
        {
            if (value > 1)
            {
                throw Damaged(field, "not a boolean", value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return column;
    }

    public string[] Strings(string field)
    {
        int[] lengths = Array<int>(field + ".lengths");
        long total = Int64(field + ".bytes");
        long sum = 0;
        foreach (int length in lengths)
        {
            if (length < 0)
            {
                throw Damaged(field + ".lengths", "a negative string length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            sum += length;
        }

        if (sum != total || total > int.MaxValue || (_length >= 0 && total > _length - Position))
        {
            throw Damaged(field + ".bytes", $"{total} bytes of text do not match the string lengths ({sum}) or the bytes left in the file");
        }

        byte[] text = Items<byte>((int)total, field + ".bytes");
        string[] values = new string[lengths.Length];
        int offset = 0;
        try
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = lengths[i] == 0 ? string.Empty : StrictUtf8.GetString(text, offset, lengths[i]);
                offset += lengths[i];
            }
        }
        catch (DecoderFallbackException e)
        {
            throw Damaged(field, "text that is not valid UTF-8", inner: e);
        }

        return values;
    }

    public string String(string field)
    {
        string[] values = Strings(field);
        return values.Length == 1 ? values[0] : throw Damaged(field, $"{values.Length} strings where one was expected");
    }

    /// <summary>Reads the trailer and compares the hash of everything before it; then the stream must end.</summary>
    public void Finish()
    {
        ulong computed = _hash.GetCurrentHashAsUInt64();
        Span<byte> trailer = stackalloc byte[CompactFormat.TrailerLength];
        int read = _stream.ReadAtLeast(trailer, trailer.Length, throwOnEndOfStream: false);
        if (read < trailer.Length || !trailer[..CompactFormat.EndMarker.Length].SequenceEqual(CompactFormat.EndMarker))
        {
            throw Damaged("trailer", "the end marker is missing; the file is truncated or damaged");
        }

        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(trailer[CompactFormat.EndMarker.Length..]);
        if (stored != computed)
        {
            throw Damaged("trailer", $"the checksum {computed:x16} does not match the stored one ({stored:x16}); the file is damaged");
        }

        Position += read;
        Span<byte> one = stackalloc byte[1];
        if (_stream.Read(one) != 0)
        {
            throw Damaged("trailer", "data follows the end of the snapshot");
        }
    }

    public SnapshotFormatException Damaged(string field, string problem, string? value = null, Exception? inner = null) =>
        new(_source, "compact snapshot, " + field, problem, value, inner);

    private T[] Items<T>(int count, string field)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (_length >= 0 || (long)count * size <= UnknownLengthChunk)
        {
            var items = new T[count];
            Fill(MemoryMarshal.AsBytes(items.AsSpan()), field);
            return items;
        }

        var grown = new T[UnknownLengthChunk / size];
        int filled = 0;
        while (filled < count)
        {
            if (filled == grown.Length)
            {
                System.Array.Resize(ref grown, (int)Math.Min(count, grown.Length * 2L));
            }

            int take = grown.Length - filled;
            Fill(MemoryMarshal.AsBytes(grown.AsSpan(filled, take)), field);
            filled += take;
        }

        return grown;
    }

    private void Fill(Span<byte> destination, string field)
    {
        int read = _stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read < destination.Length)
        {
            throw Damaged(field, $"the file ends after {Position + read} bytes; it is truncated");
        }

        _hash.Append(destination);
        Position += read;
    }
}
