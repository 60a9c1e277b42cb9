using System.Buffers.Text;
using System.Text.Json;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// Walks a <see cref="JsonTape"/> with the members of <see cref="Utf8JsonReader"/> the snapshot parser uses, so the
/// parser reads like ordinary recursive descent over a reader. A copy is an independent look-ahead. Values are the
/// reader's own (the same spans, escapes and number rules); reading past the last token returns false at the end of
/// the input and throws what stopped the producer, at the same token where a reader would have thrown.
/// </summary>
internal ref struct TapeReader
{
    private readonly JsonTape _tape;
    private TapeSegment _segment;
    private int _index;
    private JsonTokenType _type;

    public TapeReader(JsonTape tape, TapeSegment start)
    {
        _tape = tape;
        _segment = start;
        _index = -1;
        _type = JsonTokenType.None;
    }

    public readonly JsonTokenType TokenType => _type;

    /// <summary>The block the reader is in; <see cref="JsonTape.Release"/> keeps it and everything after it.</summary>
    internal readonly TapeSegment Segment => _segment;

    /// <summary>The value of a string or property name without its quotes, or the text of a number or literal.</summary>
    public readonly ReadOnlySpan<byte> ValueSpan
    {
        get
        {
            ref readonly TapeToken token = ref _segment.Tokens[_index];
            return _segment.Bytes.AsSpan(token.Start, token.Length);
        }
    }

    public readonly bool ValueIsEscaped => _segment.Tokens[_index].Escaped;

    public bool Read()
    {
        if (++_index >= _segment.Count && !NextSegment())
        {
            return false;
        }

        _type = _segment.Tokens[_index].Type;
        return true;
    }

    /// <summary>As <see cref="Utf8JsonReader.TrySkip"/>: from a property name to the end of its value, or from a start token to its end token.</summary>
    public bool TrySkip()
    {
        if (_type == JsonTokenType.PropertyName && !Read())
        {
            return false;
        }

        if (_type is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return true;
        }

        int depth = 1;
        while (Read())
        {
            if (_type is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                depth++;
            }
            else if (_type is JsonTokenType.EndObject or JsonTokenType.EndArray && --depth == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Unescapes the current string into <paramref name="destination"/> and returns its length.</summary>
    public readonly int CopyString(Span<byte> destination)
    {
        if (!ValueIsEscaped)
        {
            ValueSpan.CopyTo(destination);
            return ValueSpan.Length;
        }

        Utf8JsonReader quoted = QuotedReader();
        return quoted.CopyString(destination);
    }

    public readonly bool TryGetInt32(out int value) =>
        Utf8Parser.TryParse(ValueSpan, out value, out int consumed) && consumed == ValueSpan.Length;

    public readonly bool TryGetInt64(out long value) =>
        Utf8Parser.TryParse(ValueSpan, out value, out int consumed) && consumed == ValueSpan.Length;

    /// <summary>
    /// As <see cref="Utf8JsonReader.TryGetDateTimeOffset"/>. The shape Kubernetes writes (<c>2025-01-31T12:00:00Z</c>)
    /// is decoded directly; everything else goes through the reader's own ISO 8601 parser.
    /// </summary>
    public readonly bool TryGetDateTimeOffset(out DateTimeOffset value)
    {
        if (!ValueIsEscaped && TryParseUtcSeconds(ValueSpan, out value))
        {
            return true;
        }

        Utf8JsonReader quoted = QuotedReader();
        return quoted.TryGetDateTimeOffset(out value);
    }

    /// <summary>
    /// The raw JSON from the start token the reader is on to the end token <paramref name="end"/> is on (a copy of this
    /// reader moved past the value). Bytes of one block are returned in place; values that cross blocks are copied.
    /// </summary>
    public readonly ReadOnlySpan<byte> RawUntil(scoped in TapeReader end)
    {
        int from = _segment.Tokens[_index].Start;
        int to = end._segment.Tokens[end._index].Start + 1;
        if (ReferenceEquals(_segment, end._segment))
        {
            return _segment.Bytes.AsSpan(from, to - from);
        }

        var copy = new List<byte>();
        copy.AddRange(_segment.Bytes.AsSpan(from, _segment.DataEnd - from));
        for (TapeSegment? segment = _segment.Next; !ReferenceEquals(segment, end._segment); segment = segment.Next)
        {
            copy.AddRange(segment!.Bytes.AsSpan(0, segment.DataEnd));
        }

        copy.AddRange(end._segment.Bytes.AsSpan(0, to));
        return copy.ToArray();
    }

    private bool NextSegment()
    {
        while (true)
        {
            TapeSegment? next = _tape.Next(_segment);
            if (next is null)
            {
                _index = _segment.Count;
                return false;
            }

            _segment = next;
            _index = 0;
            if (_segment.Count > 0)
            {
                return true;
            }
        }
    }

    /// <summary>A reader over the current string with its quotes, for the conversions that need the reader's own rules.</summary>
    private readonly Utf8JsonReader QuotedReader()
    {
        ref readonly TapeToken token = ref _segment.Tokens[_index];
        var reader = new Utf8JsonReader(_segment.Bytes.AsSpan(token.Start - 1, token.Length + 2));
        reader.Read();
        return reader;
    }

    /// <summary>Exactly <c>yyyy-MM-ddTHH:mm:ssZ</c> with a valid date and time; anything else is left to the reader.</summary>
    private static bool TryParseUtcSeconds(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        {
            return false;
        }

        if (!TryDigits(text[..4], out int year) || !TryDigits(text.Slice(5, 2), out int month) || !TryDigits(text.Slice(8, 2), out int day)
            || !TryDigits(text.Slice(11, 2), out int hour) || !TryDigits(text.Slice(14, 2), out int minute) || !TryDigits(text.Slice(17, 2), out int second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> digits, out int value)
    {
        value = 0;
        foreach (byte b in digits)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }
}
