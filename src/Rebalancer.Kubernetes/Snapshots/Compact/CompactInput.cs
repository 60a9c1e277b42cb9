using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>Decodes one fixed-size record written by a <see cref="CompactOutput.RecordWriter{T}"/>.</summary>
internal delegate T RecordReader<out T>(ReadOnlySpan<byte> source);

/// <summary>
/// The primitive reads of the compact snapshot format (see <see cref="CompactOutput"/>). Every read names the field it
/// reads, so a truncated or damaged file is reported at its field path (<c>pods.labels.keys</c>), never as an
/// out-of-range exception later in the planner. Everything read is checksummed and compared with the trailer.
/// </summary>
/// <remarks>
/// Memory is the cost to watch: on the project's build machines every fresh megabyte a process touches costs ~4 ms of
/// page faults (docs/benchmarks.md), more than decoding it. So records pass through one reused buffer instead of
/// per-field arrays, pod names and uids stay the UTF-8 bytes they were read as, and field paths are strings only when
/// an error is reported.
/// </remarks>
internal sealed class CompactInput : IDisposable
{
    // Arrays of a stream of unknown length grow as their bytes arrive, so a damaged count cannot allocate gigabytes.
    private const int UnknownLengthChunk = 1 << 20;
    private const int RecordChunk = 1 << 16;
    private const int BufferSize = 1 << 16;

    private readonly Stream _stream;
    private readonly string _source;
    private readonly long _length;
    private readonly Crc64 _checksum = new();
    private byte[] _scratch = [];

    // Read-ahead: small reads (the inventory's fields, a few bytes each) are copies out of this buffer, and the checksum
    // takes the consumed bytes a buffer at a time. Bytes [_checked, _next) are consumed but not yet checksummed.
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _next;
    private int _end;
    private int _checked;

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

    /// <summary>Prefixed to field names in errors (<c>constraintSets[12]</c>); null at the top level.</summary>
    public string? Scope
    {
        get => _scope ?? (_scopeName is null ? null : FormatScope());
        set
        {
            _scope = value;
            _scopeName = null;
        }
    }

    private string? _scope;
    private string? _scopeName;
    private int _scopeIndex;
    private string? _scopeMember;
    private int _scopeMemberIndex;

    /// <summary>
    /// A scope formatted only if an error is reported, <c>name[index]</c> or <c>name[index].member[memberIndex]</c>,
    /// for the many small objects of the inventory (eager paths would be a string per field per object).
    /// </summary>
    public void SetScope(string name, int index, string? member = null, int memberIndex = 0)
    {
        _scope = null;
        _scopeName = name;
        _scopeIndex = index;
        _scopeMember = member;
        _scopeMemberIndex = memberIndex;
    }

    /// <summary>Checksums bytes read before this reader existed (the header).</summary>
    public void ChecksumPrefix(ReadOnlySpan<byte> bytes) => _checksum.Append(bytes);

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
        byte other => throw Damaged(field, "not a boolean", other.ToString(CultureInfo.InvariantCulture)),
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

    /// <summary>A non-negative count; at least <paramref name="itemSize"/> bytes per item must still be in the file.</summary>
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
        where T : unmanaged => Items<T>(Count(field, Unsafe.SizeOf<T>()), field);

    /// <summary>An array that must have <paramref name="expected"/> items (a column of a table).</summary>
    public T[] Column<T>(string field, int expected)
        where T : unmanaged
    {
        T[] column = Array<T>(field);
        return column.Length == expected ? column : throw Damaged(field, $"has {column.Length} items where {expected} were expected");
    }

    public bool[] Bools(string field, int expected)
    {
        bool[] column = Column<bool>(field, expected);
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(column.AsSpan());
        int bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
        return bad < 0 ? column : throw Damaged($"{field}[{bad}]", "not a boolean", bytes[bad].ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>A count, then records of <paramref name="size"/> bytes each, decoded through a reused buffer.</summary>
    public T[] Records<T>(string field, int size, RecordReader<T> read)
    {
        int count = Count(field, size);
        if (count == 0)
        {
            return [];
        }

        var items = new T[_length >= 0 ? count : Math.Min(count, UnknownLengthChunk / size)];
        int perChunk = RecordChunk / size;
        byte[] chunk = Scratch(perChunk * size);
        for (int done = 0; done < count;)
        {
            int take = Math.Min(perChunk, count - done);
            Fill(chunk.AsSpan(0, take * size), field);
            if (done + take > items.Length)
            {
                System.Array.Resize(ref items, (int)Math.Min(count, Math.Max(done + take, items.Length * 2L)));
            }

            int i = 0;
            try
            {
                for (; i < take; i++)
                {
                    items[done + i] = read(chunk.AsSpan(i * size, size));
                }
            }
            catch (InvalidDataException e)
            {
                throw Damaged($"{field}[{done + i}]", e.Message);
            }

            done += take;
        }

        return items;
    }

    /// <summary>A count, the UTF-8 byte length of each string, the total length, then all their bytes.</summary>
    public string[] Strings(string field)
    {
        Utf8StringColumn column = Utf8Strings(field);
        string[] values = new string[column.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = column[i];
        }

        return values;
    }

    /// <summary>A string list kept as UTF-8: one buffer and row starts, no string objects; the text must be valid UTF-8.</summary>
    public Utf8StringColumn Utf8Strings(string field)
    {
        int count = Count(field, sizeof(int));
        int[] start = Items<int>(count, field, spare: 1);
        long total = Int64(field);
        long sum = 0;
        for (int i = 0; i < count; i++)
        {
            int length = start[i];
            if (length < 0)
            {
                throw Damaged($"{field}[{i}]", "a negative string length", length.ToString(CultureInfo.InvariantCulture));
            }

            if (length > SnapshotRules.MaxStringBytes)
            {
                throw Damaged($"{field}[{i}]", $"a string of {length} bytes; snapshot strings are at most {SnapshotRules.MaxStringBytes} bytes",
                    length.ToString(CultureInfo.InvariantCulture));
            }

            start[i] = (int)Math.Min(sum, int.MaxValue);
            sum += length;
        }

        if (sum != total || total > int.MaxValue || (_length >= 0 && total > _length - Position))
        {
            throw Damaged(field, $"{total} bytes of text do not match the string lengths ({sum}) or the bytes left in the file");
        }

        // The lengths were read in place and turned into starts; the spare entry closes the last row.
        start[count] = (int)total;
        byte[] text = Items<byte>((int)total, field);
        if (!System.Text.Unicode.Utf8.IsValid(text))
        {
            throw Damaged(field, "text that is not valid UTF-8");
        }

        return new Utf8StringColumn(text, start);
    }

    public string String(string field)
    {
        string[] values = Strings(field);
        return values.Length == 1 ? values[0] : throw Damaged(field, $"{values.Length} strings where one was expected");
    }

    /// <summary>Reads the trailer and compares the checksum of everything before it; then the stream must end.</summary>
    public void Finish()
    {
        ChecksumConsumed();
        ulong computed = _checksum.GetCurrentHashAsUInt64();
        Span<byte> trailer = stackalloc byte[CompactFormat.TrailerLength];
        int read = ReadRaw(trailer);
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
        if (ReadRaw(one) != 0)
        {
            throw Damaged("trailer", "data follows the end of the snapshot");
        }
    }

    private string FormatScope() => string.Create(CultureInfo.InvariantCulture,
        $"{_scopeName}[{_scopeIndex}]{(_scopeMember is null ? string.Empty : $".{_scopeMember}[{_scopeMemberIndex}]")}");

    public SnapshotFormatException Damaged(string field, string problem, string? value = null, Exception? inner = null) =>
        new(_source, "compact snapshot, " + (Scope is null ? field : Scope + "." + field), problem, value, inner);

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        if (_scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = [];
        }
    }

    private byte[] Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            if (_scratch.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = ArrayPool<byte>.Shared.Rent(length);
        }

        return _scratch;
    }

    /// <summary><paramref name="count"/> items read from the file, in an array with <paramref name="spare"/> more slots after them.</summary>
    private T[] Items<T>(int count, string field, int spare = 0)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        if (count == 0 && spare == 0)
        {
            return []; // many inventory objects have no annotations, owners or limits: no array each
        }

        if (_length >= 0 || (long)count * size <= UnknownLengthChunk)
        {
            var items = new T[count + spare];
            Fill(MemoryMarshal.AsBytes(items.AsSpan(0, count)), field);
            return items;
        }

        var grown = new T[UnknownLengthChunk / size];
        int filled = 0;
        while (filled < count)
        {
            if (filled == grown.Length)
            {
                System.Array.Resize(ref grown, (int)Math.Min(count + (long)spare, grown.Length * 2L));
            }

            int take = Math.Min(grown.Length, count) - filled;
            Fill(MemoryMarshal.AsBytes(grown.AsSpan(filled, take)), field);
            filled += take;
        }

        if (grown.Length < count + spare)
        {
            System.Array.Resize(ref grown, count + spare);
        }

        return grown;
    }

    private void Fill(Span<byte> destination, string field)
    {
        int buffered = _end - _next;
        if (destination.Length <= buffered)
        {
            _buffer.AsSpan(_next, destination.Length).CopyTo(destination);
            _next += destination.Length;
            Position += destination.Length;
            return;
        }

        int read = ReadRaw(destination);
        if (read < destination.Length)
        {
            throw Damaged(field, $"the file ends after {Position + read} bytes; it is truncated");
        }

        Position += read;
    }

    /// <summary>
    /// Reads up to <paramref name="destination"/>'s length (less only at the end of the stream) from the buffer, then
    /// the stream: a large read goes straight into the destination, a small one refills the buffer first. Everything
    /// returned is checksummed by the time it leaves the buffer.
    /// </summary>
    private int ReadRaw(Span<byte> destination)
    {
        int done = Math.Min(destination.Length, _end - _next);
        _buffer.AsSpan(_next, done).CopyTo(destination);
        _next += done;
        if (done == destination.Length)
        {
            return done;
        }

        ChecksumConsumed();
        _next = _end = _checked = 0;
        if (destination.Length - done >= BufferSize / 2)
        {
            int direct = _stream.ReadAtLeast(destination[done..], destination.Length - done, throwOnEndOfStream: false);
            _checksum.Append(destination.Slice(done, direct));
            return done + direct;
        }

        _end = _stream.ReadAtLeast(_buffer.AsSpan(0, BufferSize), destination.Length - done, throwOnEndOfStream: false);
        int more = Math.Min(destination.Length - done, _end);
        _buffer.AsSpan(0, more).CopyTo(destination[done..]);
        _next = more;
        return done + more;
    }

    /// <summary>Adds the bytes consumed from the buffer since the last call to the checksum.</summary>
    private void ChecksumConsumed()
    {
        _checksum.Append(_buffer.AsSpan(_checked, _next - _checked));
        _checked = _next;
    }
}
