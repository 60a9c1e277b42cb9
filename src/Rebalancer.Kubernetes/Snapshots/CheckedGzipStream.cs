using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.Hashing;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// Decompresses gzip (RFC 1952) and checks what <see cref="GZipStream"/> lets pass: a stream that ends before a
/// member's trailer (GZipStream returns a short result without a word), bytes after the last member that are not
/// another member (GZipStream ignores them), and a member whose CRC-32 or length does not match its data (GZipStream
/// reports "unsupported compression method"). Each is an <see cref="InvalidDataException"/> saying which, and where.
/// Members written one after another (<c>cat a.gz b.gz</c>) are read in turn, as gzip does.
/// </summary>
/// <remarks>
/// The deflate data itself goes through <see cref="DeflateStream"/> (the runtime's zlib, as fast as GZipStream); this
/// class parses the header and checks the trailer. DeflateStream does not say how much of its input it used, so the
/// input is handed to it in chunks of at most <see cref="ChunkSize"/> bytes and the trailer is looked for in the last
/// chunk it took: its 8 bytes, the CRC-32 and length this class computed over the member's data, start where the
/// deflate data ends (a false match inside the data has odds of 2^-64 per position).
/// </remarks>
internal sealed class CheckedGzipStream : ReadOnlyStream
{
    private const int ChunkSize = 16 * 1024;
    private const int BufferSize = 64 * 1024;
    private const int TrailerSize = 8;

    private readonly Stream _source;
    private readonly byte[] _buffer = new byte[BufferSize];
    private readonly Crc32 _crc = new();
    private readonly MemberInput _input;
    private int _start;
    private int _end;
    private bool _sourceEnded;
    private long _bufferOrigin; // offset in the source of _buffer[0]

    private DeflateStream? _deflate;
    private long _length;
    private int _member;
    private int _lastChunkStart;
    private int _lastChunkEnd;
    private bool _inflaterStarved;
    private bool _finished;

    public CheckedGzipStream(Stream source)
    {
        _source = source;
        _input = new MemberInput(this);
    }

    public override int Read(Span<byte> buffer)
    {
        while (!_finished)
        {
            if (_deflate is null)
            {
                if (!StartMember())
                {
                    _finished = true;
                    break;
                }
            }

            int read;
            try
            {
                read = _deflate!.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"the compressed data{MemberName()} is damaged ({e.Message})", e);
            }

            if (read > 0)
            {
                _crc.Append(buffer[..read]);
                _length += read;
                return read;
            }

            EndMember();
        }

        return 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deflate?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Reads a member header; false at the end of the input between members (never before the first).</summary>
    private bool StartMember()
    {
        if (_member > 0 && !Ensure(1))
        {
            return false;
        }

        _member++;
        var header = new Crc32();
        ReadOnlySpan<byte> fixedPart = Take(10, "header", header);
        if (fixedPart[0] != 0x1F || fixedPart[1] != 0x8B)
        {
            throw new InvalidDataException($"{MemberName(capitalized: true)} does not start with the gzip signature 1f 8b");
        }

        if (fixedPart[2] != 8)
        {
            throw new InvalidDataException($"unsupported compression method {fixedPart[2]}{MemberName()} (gzip defines only 8, deflate)");
        }

        byte flags = fixedPart[3];
        if ((flags & 0xE0) != 0)
        {
            throw new InvalidDataException($"the header{MemberName()} sets reserved flag bits ({flags:x2}); it is not gzip as RFC 1952 defines it");
        }

        if ((flags & 0x04) != 0)
        {
            int extra = BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "header", header));
            Take(extra, "header", header);
        }

        if ((flags & 0x08) != 0)
        {
            SkipZeroTerminated(header); // original file name
        }

        if ((flags & 0x10) != 0)
        {
            SkipZeroTerminated(header); // comment
        }

        if ((flags & 0x02) != 0)
        {
            uint expected = (uint)header.GetCurrentHashAsUInt32() & 0xFFFF;
            if (BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "header", null)) != expected)
            {
                throw new InvalidDataException($"the header{MemberName()} does not match its CRC-16: the file is damaged");
            }
        }

        _crc.Reset();
        _length = 0;
        _inflaterStarved = false;
        _lastChunkStart = _lastChunkEnd = _start;
        _deflate = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        return true;
    }

    /// <summary>After the deflate data of a member: finds and checks its trailer and what follows it.</summary>
    private void EndMember()
    {
        _deflate!.Dispose();
        _deflate = null;
        if (_inflaterStarved)
        {
            throw new InvalidDataException($"the input ends inside the compressed data{MemberName()}: the file is truncated");
        }

        // The deflate data ends inside the last chunk the inflater took (or right after it); the trailer follows.
        Compact(_lastChunkStart);
        Ensure(_lastChunkEnd - _start + TrailerSize + 2);
        uint crc = _crc.GetCurrentHashAsUInt32();
        uint length = unchecked((uint)_length);
        int crcOnly = -1;
        int lengthOnly = -1;
        int garbageAfter = -1;
        for (int at = _lastChunkStart; at <= _lastChunkEnd && at + TrailerSize <= _end; at++)
        {
            bool crcMatches = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(at)) == crc;
            bool lengthMatches = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(at + 4)) == length;
            int next = at + TrailerSize;
            bool followedWell = next == _end ? _sourceEnded : _buffer[next] == 0x1F && (next + 1 == _end ? _sourceEnded : _buffer[next + 1] == 0x8B);
            if (crcMatches && lengthMatches)
            {
                if (followedWell)
                {
                    _start = next;
                    return;
                }

                garbageAfter = garbageAfter < 0 ? next : garbageAfter;
            }
            else if (followedWell && crcMatches)
            {
                crcOnly = crcOnly < 0 ? at : crcOnly;
            }
            else if (followedWell && lengthMatches)
            {
                lengthOnly = lengthOnly < 0 ? at : lengthOnly;
            }
        }

        if (garbageAfter >= 0)
        {
            throw new InvalidDataException(
                $"data follows the end of the gzip stream at offset {_bufferOrigin + garbageAfter} and is not another gzip member: the file has something appended");
        }

        if (lengthOnly >= 0)
        {
            throw new InvalidDataException($"the data{MemberName()} does not match the CRC-32 in its trailer (computed {crc:x8}): the file is damaged");
        }

        if (crcOnly >= 0)
        {
            throw new InvalidDataException($"the data{MemberName()} does not match the length in its trailer ({_length} bytes): the file is damaged");
        }

        throw new InvalidDataException(_sourceEnded && _end - _lastChunkEnd < TrailerSize
            ? $"the input ends before the trailer{MemberName()} (CRC-32 and length): the file is truncated"
            : $"the trailer{MemberName()} (CRC-32 and length) is missing or does not match the data: the file is truncated or damaged");
    }

    private string MemberName(bool capitalized = false) =>
        _member <= 1 ? (capitalized ? "The input" : string.Empty) : (capitalized ? "Gzip member " : " of gzip member ") + _member.ToString(CultureInfo.InvariantCulture);

    /// <summary>Hands the inflater the next buffered bytes, at most a chunk; 0 (and a note) when the input has ended.</summary>
    private int Feed(Span<byte> destination)
    {
        if (_start == _end)
        {
            Compact(_start);
            Ensure(1);
            if (_start == _end)
            {
                _inflaterStarved = true;
                return 0;
            }
        }

        int count = Math.Min(Math.Min(destination.Length, ChunkSize), _end - _start);
        _buffer.AsSpan(_start, count).CopyTo(destination);
        _lastChunkStart = _start;
        _start += count;
        _lastChunkEnd = _start;
        return count;
    }

    /// <summary>Moves the bytes from <paramref name="keepFrom"/> on to the front of the buffer.</summary>
    private void Compact(int keepFrom)
    {
        if (keepFrom == 0)
        {
            return;
        }

        _buffer.AsSpan(keepFrom, _end - keepFrom).CopyTo(_buffer);
        _bufferOrigin += keepFrom;
        _start -= keepFrom;
        _lastChunkStart = Math.Max(0, _lastChunkStart - keepFrom);
        _lastChunkEnd = Math.Max(0, _lastChunkEnd - keepFrom);
        _end -= keepFrom;
    }

    /// <summary>Reads until <paramref name="count"/> bytes from <see cref="_start"/> are buffered or the input ends; whether they are.</summary>
    private bool Ensure(int count)
    {
        if (_start + count > _buffer.Length)
        {
            Compact(_start);
        }

        while (_end - _start < count && !_sourceEnded)
        {
            int read = _source.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _sourceEnded = true;
            }

            _end += read;
        }

        return _end - _start >= count;
    }

    private ReadOnlySpan<byte> Take(int count, string part, Crc32? checksum)
    {
        if (count > BufferSize / 2)
        {
            // Only a header's extra field can be this long (up to 64 KiB): skip it in pieces.
            for (int left = count; left > 0;)
            {
                int piece = Math.Min(left, BufferSize / 2);
                Take(piece, part, checksum);
                left -= piece;
            }

            return default;
        }

        if (!Ensure(count))
        {
            throw new InvalidDataException($"the input ends inside the {part}{MemberName()}: the file is truncated");
        }

        ReadOnlySpan<byte> bytes = _buffer.AsSpan(_start, count);
        checksum?.Append(bytes);
        _start += count;
        return bytes;
    }

    private void SkipZeroTerminated(Crc32 checksum)
    {
        while (Take(1, "header", checksum)[0] != 0)
        {
        }
    }

    /// <summary>The input side of the inflater: <see cref="Feed"/>.</summary>
    private sealed class MemberInput(CheckedGzipStream owner) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => owner.Feed(buffer);
    }
}
