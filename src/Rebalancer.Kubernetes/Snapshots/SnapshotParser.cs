using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// Streams kubectl-style JSON into a <see cref="SnapshotBuilder"/>, so an 800 MB List never has to fit in memory. A
/// <see cref="JsonTape"/> tokenizes the input on a second thread; this class walks the tokens in document order on the
/// calling thread: the opening of a document, the properties of a List, one item of its <c>items</c> at a time, or a
/// whole single-object document. Nothing reaches the builder before an object ends, and the tape's blocks are handed
/// back between items, so memory stays a few blocks whatever the input size. The parse code itself is plain recursive
/// descent.
/// </summary>
internal sealed partial class SnapshotParser : IDisposable
{
    internal const int DefaultBufferSize = JsonTape.PooledBlockSize;

    /// <summary>
    /// The longest string value or property name the loader reads, in UTF-8 bytes (<see cref="SnapshotRules.MaxStringBytes"/>).
    /// Strings of objects it skips are bounded by <see cref="JsonTape.MaxTokenBytes"/> only.
    /// </summary>
    internal const int MaxStringBytes = SnapshotRules.MaxStringBytes;

    private static readonly InputEndedException InputEnded = new();

    private readonly JsonTape _tape;
    private readonly string _source;
    private readonly SnapshotBuilder _builder;
    private readonly SnapshotLoadStatistics _stats;
    private readonly List<string> _warnings;
    private readonly Utf8Interner _strings;
    private readonly JsonPathTracker _path = new();
    private readonly Utf8Dictionary<string> _kinds = new();
    private readonly Dictionary<string, int> _skipped = new(StringComparer.Ordinal);

    private byte[] _nameScratch = new byte[256];
    private byte[] _valueScratch = new byte[256];

    // Where the parser is in the document structure.
    private Phase _phase;
    private int _document;
    private int _item;
    private string? _listItemKind;

    public SnapshotParser(Stream stream, string source, SnapshotBuilder builder, SnapshotLoadStatistics stats, List<string> warnings, int bufferSize = DefaultBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 16);
        _tape = new JsonTape(stream, bufferSize);
        _source = source;
        _builder = builder;
        _stats = stats;
        _warnings = warnings;
        _strings = new Utf8Interner(builder.Strings);
        InitializeWellKnownIds();
    }

    private enum Phase
    {
        BetweenDocuments,
        ListProperties,
        Items,
    }

    public void Run()
    {
        CheckPreamble(_tape.ReadHead());
        _tape.Start();
        TapeReader reader = _tape.CreateReader();
        try
        {
            ParseUnits(ref reader);
        }
        catch (InputEndedException)
        {
            // The tape ran out inside a unit: the input ended inside a document.
            throw Error("unexpected end of the input: the JSON is truncated");
        }
        catch (JsonException ex)
        {
            throw Error("invalid JSON: " + ex.Message, innerException: ex);
        }
        catch (JsonTape.TapeLimitException ex)
        {
            throw Error(ex.Message);
        }
        finally
        {
            _stats.Bytes += _tape.BytesRead;
        }

        if (_document == 0)
        {
            throw new SnapshotFormatException(_source, "$", "the input contains no JSON document");
        }

        foreach ((string kind, int count) in _skipped.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            _warnings.Add($"{_source}: skipped {count} {(count == 1 ? "object" : "objects")} of unsupported kind {kind}");
        }
    }

    public void Dispose() => _tape.Dispose();

    /// <summary>Parses units until the input ends; a unit cut by the end of the input throws <see cref="InputEndedException"/>.</summary>
    private void ParseUnits(ref TapeReader r)
    {
        while (true)
        {
            BeginUnitPath();
            switch (_phase)
            {
                case Phase.BetweenDocuments:
                    if (!r.Read())
                    {
                        return;
                    }

                    if (r.TokenType != JsonTokenType.StartObject)
                    {
                        throw Expected(ref r, "a Kubernetes object or List");
                    }

                    string? kind = LookaheadKind(r, stopAtItems: true, out bool hasItems);
                    if (hasItems || IsListKind(kind))
                    {
                        _phase = Phase.ListProperties;
                        ListContinue = null;
                        _listItemKind = kind is null || kind == "List" ? null : kind[..^"List".Length];
                        NoteListKind(_listItemKind);
                    }
                    else
                    {
                        ParseObject(ref r, kind ?? throw Error("the document has no \"kind\"; expected a Kubernetes object or List"));
                        CompleteDocument();
                    }

                    break;

                case Phase.ListProperties:
                    if (!NextProperty(ref r, out ReadOnlySpan<byte> property))
                    {
                        CompleteDocument();
                    }
                    else if (property.SequenceEqual("metadata"u8))
                    {
                        ReadListMetadata(ref r);
                    }
                    else if (property.SequenceEqual("items"u8))
                    {
                        _path.Push("items");
                        Next(ref r);
                        if (BeginArray(ref r))
                        {
                            _phase = Phase.Items;
                            _item = 0;
                        }
                    }
                    else
                    {
                        Skip(ref r);
                    }

                    break;

                case Phase.Items:
                    Next(ref r);
                    if (r.TokenType == JsonTokenType.EndArray)
                    {
                        _phase = Phase.ListProperties;
                        break;
                    }

                    if (r.TokenType != JsonTokenType.StartObject)
                    {
                        throw Expected(ref r, "an object");
                    }

                    ParseObject(ref r, _listItemKind);
                    _item++;
                    break;
            }

            // Between units nothing points back into the blocks already parsed.
            _tape.Release(r);
        }
    }

    /// <summary>
    /// The <c>metadata.continue</c> token of the last List read, or null when it has none: an API server's list page
    /// sets it while more pages follow (the live-cluster reader pages with it).
    /// </summary>
    public string? ListContinue { get; private set; }

    /// <summary>Reads a List's <c>metadata</c>, keeping only <c>continue</c>.</summary>
    private void ReadListMetadata(ref TapeReader r)
    {
        Enter(ref r, "metadata");
        string? token = null;
        if (BeginObject(ref r))
        {
            while (NextProperty(ref r, out ReadOnlySpan<byte> name))
            {
                if (name.SequenceEqual("continue"u8))
                {
                    token = ReadString(ref r, "continue");
                }
                else
                {
                    Skip(ref r);
                }
            }
        }

        _path.Pop();
        ListContinue = string.IsNullOrEmpty(token) ? null : token;
    }

    private void CompleteDocument()
    {
        _document++;
        _stats.Documents++;
        _phase = Phase.BetweenDocuments;
    }

    private static bool IsListKind(string? kind) => kind is not null && kind.EndsWith("List", StringComparison.Ordinal);

    /// <summary>Rebuilds the path of the unit about to be parsed from the phase, rather than unwinding it at every phase change.</summary>
    private void BeginUnitPath()
    {
        _path.Clear();
        if (_document > 0)
        {
            _path.Push("documents");
            _path.PushIndex(_document);
        }

        if (_phase == Phase.Items)
        {
            _path.Push("items");
            _path.PushIndex(_item);
        }
    }

    /// <summary>
    /// Finds the <c>kind</c> of the object starting at <paramref name="probe"/> (a copy, so the caller's reader does not
    /// move). kubectl prints <c>kind</c> second, so this is usually two tokens; objects with <c>kind</c> last cost a scan.
    /// With <paramref name="stopAtItems"/> an <c>items</c> property ends the search: the document is a List.
    /// </summary>
    private string? LookaheadKind(TapeReader probe, bool stopAtItems, out bool hasItems)
    {
        hasItems = false;
        while (NextProperty(ref probe, out ReadOnlySpan<byte> property))
        {
            if (property.SequenceEqual("kind"u8))
            {
                Next(ref probe);
                if (probe.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (probe.TokenType != JsonTokenType.String)
                {
                    _path.Push("kind");
                    throw Expected(ref probe, "a string");
                }

                ReadOnlySpan<byte> text = Utf8Value(ref probe);
                if (!_kinds.TryGetValue(text, out string? kind))
                {
                    kind = Encoding.UTF8.GetString(text);
                    _kinds.Set(text, kind);
                }

                return kind.Length == 0 ? null : kind;
            }

            if (stopAtItems && property.SequenceEqual("items"u8))
            {
                hasItems = true;
                return null;
            }

            Skip(ref probe);
        }

        return null;
    }

    private void ParseObject(ref TapeReader r, string? kind)
    {
        kind ??= LookaheadKind(r, stopAtItems: false, out _)
            ?? throw Error("the object has no \"kind\" (items of a v1 List must each name their kind)");
        try
        {
            ParseKind(ref r, kind);
        }
        catch (SnapshotValueException e)
        {
            // The builder refused the object it was handed at the object's end: report it at the object, below its path.
            foreach (string segment in e.Field.Split('.', StringSplitOptions.RemoveEmptyEntries))
            {
                _path.Push(segment);
            }

            throw Error(e.Problem, e.Value, e);
        }
    }

    private void ParseKind(ref TapeReader r, string kind)
    {
        switch (kind)
        {
            case "Pod":
                ParsePod(ref r);
                break;
            case "Node":
                ParseNode(ref r);
                break;
            case "PodDisruptionBudget":
                ParsePodDisruptionBudget(ref r);
                break;
            case "Namespace":
                ParseNamespace(ref r);
                break;
            case "PriorityClass":
                ParsePriorityClass(ref r);
                break;
            case "NodeMetrics":
                ParseNodeMetrics(ref r);
                break;
            case "PodMetrics":
                ParsePodMetrics(ref r);
                break;
            default:
                if (TryParseInventoryObject(ref r, kind))
                {
                    break;
                }

                Skip(ref r);
                Increment(_skipped, kind);
                Increment(_stats.SkippedByKind, kind);
                return;
        }

        Increment(_stats.ObjectsByKind, kind);
    }

    private static void Increment(Dictionary<string, int> counts, string key) =>
        CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;

    /// <summary>
    /// Turns the usual wrong inputs into clear errors before the JSON reader reports a bare syntax error. A UTF-8 byte
    /// order mark is looked past here; the tape blanks it.
    /// </summary>
    private void CheckPreamble(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }
        else if (head.Length >= 2 && ((head[0] == 0xFF && head[1] == 0xFE) || (head[0] == 0xFE && head[1] == 0xFF)))
        {
            // Windows PowerShell's ">" writes UTF-16.
            throw new SnapshotFormatException(_source, "$", "the input is UTF-16 text; save it as UTF-8");
        }
        else if (head.Length >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            // Only LoadInto gets here: SnapshotLoader.Load decompresses whole snapshots itself.
            throw new SnapshotFormatException(_source, "$", "the input is gzip-compressed; files merged into one snapshot must be decompressed first");
        }
        else if (Compact.CompactSnapshot.IsCompact(head))
        {
            // Only LoadInto gets here: a compact snapshot is a finished snapshot, not objects to add to a builder.
            throw new SnapshotFormatException(_source, "$", "a compact snapshot is a whole cluster and cannot be merged with other files; load it on its own");
        }

        int first = head.IndexOfAnyExcept(" \t\r\n"u8);
        if (first >= 0 && head[first] is not ((byte)'{' or (byte)'[' or (byte)'/'))
        {
            ReadOnlySpan<byte> line = head[first..];
            int newline = line.IndexOfAny("\r\n"u8);
            line = line[..(newline < 0 ? Math.Min(line.Length, 80) : Math.Min(newline, 80))];
            throw new SnapshotFormatException(_source, "$",
                "the input is not JSON; snapshot files are the output of 'kubectl get … -o json'", Encoding.UTF8.GetString(line));
        }
    }

    // ---- Token helpers ----------------------------------------------------------------------------------------------

    private static void Next(ref TapeReader r)
    {
        if (!r.Read())
        {
            OutOfData();
        }
    }

    /// <summary>Skips the value of the current property, or the object/array starting at the current token.</summary>
    private static void Skip(ref TapeReader r)
    {
        if (!r.TrySkip())
        {
            OutOfData();
        }
    }

    /// <summary>The tape ended inside a unit: the input is truncated, and <see cref="Run"/> reports it at the current path.</summary>
    [DoesNotReturn]
    private static void OutOfData() => throw InputEnded;

    /// <summary>Moves to the next property of the current object; false at its end. <paramref name="name"/> lives until the next read.</summary>
    private bool NextProperty(ref TapeReader r, out ReadOnlySpan<byte> name)
    {
        Next(ref r);
        if (r.TokenType != JsonTokenType.PropertyName)
        {
            name = default;
            return false;
        }

        name = r.ValueIsEscaped ? Unescape(ref r, ref _nameScratch) : r.ValueSpan;
        if (name.Length > MaxStringBytes)
        {
            throw Error($"a property name of {name.Length} bytes; names the loader reads are at most {MaxStringBytes} bytes");
        }

        return true;
    }

    /// <summary>Moves to the next element of the current array; false at its end.</summary>
    private static bool NextElement(ref TapeReader r)
    {
        Next(ref r);
        return r.TokenType != JsonTokenType.EndArray;
    }

    /// <summary>Moves to the value of the property just read, with <paramref name="segment"/> on the path.</summary>
    private void Enter(ref TapeReader r, string segment)
    {
        _path.Push(segment);
        Next(ref r);
    }

    /// <summary>True at the start of an object, false for null (an absent value); anything else is an error.</summary>
    private bool BeginObject(ref TapeReader r) => r.TokenType switch
    {
        JsonTokenType.StartObject => true,
        JsonTokenType.Null => false,
        _ => throw Expected(ref r, "an object"),
    };

    /// <summary>True at the start of an array, false for null; anything else is an error.</summary>
    private bool BeginArray(ref TapeReader r) => r.TokenType switch
    {
        JsonTokenType.StartArray => true,
        JsonTokenType.Null => false,
        _ => throw Expected(ref r, "an array"),
    };

    /// <summary>Reads the value of the current property and reports whether it is present (not null); the value is skipped.</summary>
    private static bool PresentValue(ref TapeReader r)
    {
        Next(ref r);
        bool present = r.TokenType != JsonTokenType.Null;
        Skip(ref r);
        return present;
    }

    private ReadOnlySpan<byte> Unescape(ref TapeReader r, ref byte[] scratch)
    {
        if (scratch.Length < r.ValueSpan.Length)
        {
            scratch = new byte[Math.Max(r.ValueSpan.Length, scratch.Length * 2)];
        }

        int length;
        try
        {
            length = r.CopyString(scratch);
        }
        catch (InvalidOperationException e)
        {
            // The reader validates escapes lazily: "\ud800" alone is well-formed JSON but not a character.
            throw Error("invalid JSON: an escape sequence is not a Unicode character (a lone UTF-16 surrogate)",
                Encoding.UTF8.GetString(r.ValueSpan), e);
        }

        return scratch.AsSpan(0, length);
    }

    /// <summary>The unescaped UTF-8 of the current string token, at most <see cref="MaxStringBytes"/> long.</summary>
    private ReadOnlySpan<byte> Utf8Value(ref TapeReader r)
    {
        ReadOnlySpan<byte> value = r.ValueIsEscaped ? Unescape(ref r, ref _valueScratch) : r.ValueSpan;
        if (value.Length > MaxStringBytes)
        {
            throw Error($"a string of {value.Length} bytes; strings the loader reads are at most {MaxStringBytes} bytes");
        }

        return value;
    }

    // The scalar readers below move to the value of the property just read. Its name is on the path while the value is
    // read, so a truncation or syntax error inside the value is reported at the value itself.

    /// <summary>The UTF-8 text of the next value, which must be a string; empty for null.</summary>
    private ReadOnlySpan<byte> ReadUtf8(ref TapeReader r, string segment)
    {
        Enter(ref r, segment);
        ReadOnlySpan<byte> text = r.TokenType switch
        {
            JsonTokenType.String => Utf8Value(ref r),
            JsonTokenType.Null => default,
            _ => throw Expected(ref r, "a string"),
        };
        _path.Pop();
        return text;
    }

    /// <summary>The interned id of the next value, a string; 0 (the empty string) for null.</summary>
    private int ReadStringId(ref TapeReader r, string segment) => _strings.Intern(ReadUtf8(ref r, segment));

    /// <summary>The next value as a new string (for unique values such as names and uids); null for null.</summary>
    private string? ReadString(ref TapeReader r, string segment)
    {
        ReadOnlySpan<byte> text = ReadUtf8(ref r, segment);
        return r.TokenType == JsonTokenType.Null ? null : Encoding.UTF8.GetString(text);
    }

    private bool TryReadInt32(ref TapeReader r, string segment, out int value)
    {
        Enter(ref r, segment);
        value = 0;
        bool present = r.TokenType switch
        {
            JsonTokenType.Number when r.TryGetInt32(out value) => true,
            JsonTokenType.Null => false,
            _ => throw Expected(ref r, "a 32-bit integer"),
        };
        _path.Pop();
        return present;
    }

    private bool TryReadInt64(ref TapeReader r, string segment, out long value)
    {
        Enter(ref r, segment);
        value = 0;
        bool present = r.TokenType switch
        {
            JsonTokenType.Number when r.TryGetInt64(out value) => true,
            JsonTokenType.Null => false,
            _ => throw Expected(ref r, "an integer"),
        };
        _path.Pop();
        return present;
    }

    private bool ReadBool(ref TapeReader r, string segment)
    {
        Enter(ref r, segment);
        bool value = r.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False or JsonTokenType.Null => false,
            _ => throw Expected(ref r, "true or false"),
        };
        _path.Pop();
        return value;
    }

    /// <summary>An RFC 3339 timestamp as Unix milliseconds; <see cref="UnixTime.None"/> for null.</summary>
    private long ReadTime(ref TapeReader r, string segment)
    {
        Enter(ref r, segment);
        long time = r.TokenType switch
        {
            JsonTokenType.Null => UnixTime.None,
            JsonTokenType.String when r.TryGetDateTimeOffset(out DateTimeOffset value) => UnixTime.FromDateTimeOffset(value),
            JsonTokenType.String => throw Error("expected an RFC 3339 timestamp", TokenText(ref r)),
            _ => throw Expected(ref r, "an RFC 3339 timestamp"),
        };
        _path.Pop();
        return time;
    }

    /// <summary>
    /// A resource quantity at <paramref name="scale"/>; false for null. Like Go's Quantity.UnmarshalJSON it takes a JSON
    /// string or a bare number. Unlike it, surrounding whitespace is refused (the API server never writes it, so it is a
    /// hand edit), and so are negative amounts (Kubernetes' validation refuses them in every resource list) and values
    /// beyond 64 bits at their unit (<see cref="Quantity"/>).
    /// </summary>
    private bool TryReadQuantity(ref TapeReader r, string segment, int scale, out long value)
    {
        Enter(ref r, segment);
        scoped ReadOnlySpan<byte> text;
        switch (r.TokenType)
        {
            case JsonTokenType.Null:
                _path.Pop();
                value = 0;
                return false;
            case JsonTokenType.String:
                text = Utf8Value(ref r);
                break;
            case JsonTokenType.Number:
                text = r.ValueSpan;
                break;
            default:
                throw Expected(ref r, "a quantity string");
        }

        QuantityStatus status = Quantity.Parse(text, scale, out value);
        if (status != QuantityStatus.Valid || value < 0)
        {
            throw QuantityError(ref r, status, scale);
        }

        _path.Pop();
        return true;
    }

    private SnapshotFormatException QuantityError(ref TapeReader r, QuantityStatus status, int scale) =>
        Error(QuantityProblem(status, scale), TokenText(ref r));

    /// <summary>What is wrong with a quantity <see cref="Quantity.Parse(ReadOnlySpan{byte}, int, out long)"/> refused (or, for <see cref="QuantityStatus.Valid"/>, found negative).</summary>
    internal static string QuantityProblem(QuantityStatus status, int scale) => status switch
    {
        QuantityStatus.Valid => "a negative quantity; resource amounts are 0 or more",
        QuantityStatus.TooLong => $"a quantity longer than {Quantity.MaxLength} characters",
        QuantityStatus.OutOfRange => scale == Quantity.Milli
            ? "a quantity beyond what Kubernetes can count: at most 9223372036854775807 millicores (9223372036854775.807)"
            : "a quantity beyond what Kubernetes can count: at most 9223372036854775807 (2^63 - 1)",
        _ => InvalidQuantity,
    };

    /// <summary>The problem of a text that is not a quantity, with the forms that are.</summary>
    internal const string InvalidQuantity =
        "invalid quantity; expected a number of 0 or more with an optional suffix, without spaces: 250m, 2, 1.5, 512Mi, 2Gi, 1e3";

    // ---- Errors -----------------------------------------------------------------------------------------------------

    private SnapshotFormatException Error(string problem, string? value = null, Exception? innerException = null) =>
        new(_source, _path.ToString(), problem, value, innerException);

    /// <summary>A wrong-type error at the current token, optionally one segment below the current path.</summary>
    private SnapshotFormatException Expected(ref TapeReader r, string what, string? segment = null)
    {
        if (segment is not null)
        {
            _path.Push(segment);
        }

        return Error($"expected {what}, found {Describe(r.TokenType)}", TokenText(ref r));
    }

    /// <summary>An error for a string value outside an enumeration, one segment below the current path.</summary>
    private SnapshotFormatException InvalidValue(ref TapeReader r, string segment, string allowed)
    {
        _path.Push(segment);
        return Error($"expected one of {allowed}", TokenText(ref r));
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.EndObject => "the end of an object",
        JsonTokenType.EndArray => "the end of an array",
        _ => token.ToString(),
    };

    /// <summary>The current scalar token as text for an error message; null for objects and arrays.</summary>
    private static string? TokenText(ref TapeReader r) => r.TokenType switch
    {
        JsonTokenType.String => Encoding.UTF8.GetString(r.ValueIsEscaped ? UnescapeForMessage(ref r) : r.ValueSpan),
        JsonTokenType.Number => Encoding.UTF8.GetString(r.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => null,
    };

    /// <summary>The unescaped value for a message; an escape that is not a character leaves the text as written.</summary>
    private static ReadOnlySpan<byte> UnescapeForMessage(ref TapeReader r)
    {
        byte[] scratch = new byte[r.ValueSpan.Length];
        try
        {
            return scratch.AsSpan(0, r.CopyString(scratch));
        }
        catch (InvalidOperationException)
        {
            return r.ValueSpan;
        }
    }

    /// <summary>Thrown (one shared instance) when the tape ends inside a unit; <see cref="Run"/> turns it into the truncation error.</summary>
    private sealed class InputEndedException : Exception
    {
    }
}
