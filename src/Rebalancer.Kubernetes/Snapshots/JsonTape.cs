using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text.Json;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// Splits loading into two stages on two threads. A producer reads the stream into blocks and tokenizes them with a
/// <see cref="Utf8JsonReader"/> (which validates the JSON: syntax, escapes, comments, depth) into a tape of tokens; the
/// parser walks the tape with a <see cref="TapeReader"/> on the calling thread and does the semantic work (interning,
/// quantities, constraints, the builder). The two stages cost about the same CPU on a kubectl dump, so where a second
/// core is free they overlap (docs/benchmarks.md has the measurements), and the parser never re-parses anything after a
/// buffer refill.
/// <para>
/// Each block holds the bytes of whole tokens only: the bytes of a token cut by the end of a block move to the start of
/// the next one, so a token's bytes never straddle two blocks. Blocks travel through a small bounded queue (memory stays
/// a few blocks whatever the input size) and come back for reuse once the parser has moved past them
/// (<see cref="Release"/>). The parser sees exactly the tokens the reader produced, in order, then the outcome of the
/// input: a clean end, a truncation (the input ended inside a document) or the exception that stopped the producer.
/// </para>
/// <para>
/// Inputs that fit in the first block are tokenized on the calling thread; no thread is started for them.
/// </para>
/// <para>
/// Memory is bounded by design, whatever the input: a single token (string, number, comment) of more than
/// <see cref="MaxTokenBytes"/> is refused, a long run of whitespace is dropped instead of carried into a growing block,
/// and one unit (the parser's current item, which keeps its blocks until it ends) whose blocks and tokens take more
/// than <see cref="MaxHeldBytes"/> is refused. The text must be UTF-8 as JSON requires (RFC 8259 §8.1): each block is
/// validated as it is tokenized (the reader itself checks escapes but not raw bytes inside strings).
/// </para>
/// </summary>
internal sealed class JsonTape : IDisposable
{
    /// <summary>Blocks produced but not yet reached by the parser; more makes the producer wait.</summary>
    private const int MaxQueued = 4;

    /// <summary>
    /// The longest single token (a string with its escapes, a number, a comment): the API server stores objects of at
    /// most a few MiB (etcd's default request limit is 1.5 MiB), so a longer value is not Kubernetes output.
    /// </summary>
    internal const int MaxTokenBytes = 16 << 20;

    /// <summary>
    /// The most memory (input bytes and their tokens) the parser may hold for one unit (one List item, one document)
    /// before it ends.
    /// </summary>
    internal const long MaxHeldBytes = 64L << 20;

    internal const string KubernetesSizeHint = "Kubernetes objects are at most a few MiB";

    /// <summary>Blocks of this size outlive their tape in a small shared pool (a live read parses hundreds of pages).</summary>
    internal const int PooledBlockSize = 1 << 20;

    /// <summary>
    /// Released blocks kept for the producer. Twice the queue: the two threads take turns in bursts (a GC pause, a busy
    /// core), and a list that overflows drops blocks the producer then allocates again (measured on a 150,000-pod load
    /// with a list of 4: 10–30 blocks of 2.5 MiB dropped and allocated again per load; with 8: none).
    /// </summary>
    private const int MaxFree = 2 * MaxQueued;

    /// <summary>As many as one load keeps alive at once, so a process that loads again (a live read's pages) allocates none.</summary>
    private const int MaxPooled = MaxFree;

    private static readonly Stack<TapeSegment> SharedPool = new();

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowMultipleValues = true,
        CommentHandling = JsonCommentHandling.Skip,

        // CRDs and other kinds the loader skips can nest deeper than the default 64.
        MaxDepth = 512,
    };

    private readonly Stream _stream;
    private readonly int _blockSize;
    private readonly string _sizeHint;
    private readonly object _gate = new();
    private readonly Queue<TapeSegment> _ready = new();
    private readonly Stack<TapeSegment> _free = new();
    private readonly List<TapeSegment> _owned = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Producer state (only the producer touches these after Start).
    private readonly TapeSegment _current;
    private bool _eof;
    private long _bytesRead;
    private long _blockOrigin; // where the block being tokenized starts in the input

    // Parser state: the bytes of the blocks from _oldestHeld on, which the current unit keeps.
    private long _heldBytes;

    // Shared state, under _gate.
    private bool _finished;
    private bool _abandoned;
    private ExceptionDispatchInfo? _failure;
    private TapeSegment _oldestHeld;

    /// <param name="sizeHint">Why an input past the size limits is not what the caller reads, for their messages.</param>
    public JsonTape(Stream stream, int blockSize, string sizeHint = KubernetesSizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 16);
        _stream = stream;
        _blockSize = blockSize;
        _sizeHint = sizeHint;
        _current = Rent(blockSize);
        _oldestHeld = TapeSegment.Head();
    }

    /// <summary>The bytes read from the stream so far.</summary>
    public long BytesRead => Volatile.Read(ref _bytesRead);

    /// <summary>Completes when the producer has returned: at the end of the input, on an error, or after <see cref="Dispose"/>.</summary>
    internal Task Stopped => _stopped.Task;

    /// <summary>
    /// Reads the first block and returns its bytes, so the caller can check what kind of input it is before anything is
    /// tokenized.
    /// </summary>
    public ReadOnlySpan<byte> ReadHead()
    {
        Fill(_current);
        return _current.Bytes.AsSpan(0, _current.Filled);
    }

    /// <summary>
    /// Starts tokenizing, on a second thread unless the whole input is in the head. A leading byte order mark is blanked
    /// like the ones between documents.
    /// </summary>
    public void Start()
    {
        if (_eof)
        {
            Produce();
            return;
        }

        var producer = new Thread(Produce)
        {
            IsBackground = true,
            Name = "Rebalancer snapshot tokenizer",
        };
        producer.Start();
    }

    /// <summary>A reader positioned before the first token.</summary>
    public TapeReader CreateReader() => new(this, _oldestHeld);

    /// <summary>
    /// Returns the blocks before the one <paramref name="reader"/> is in for reuse: the parser calls this between units,
    /// when no reader or copy of one points behind it.
    /// </summary>
    public void Release(in TapeReader reader)
    {
        // Only the parser's thread moves _oldestHeld, so the common case (still in the same block) takes no lock.
        TapeSegment keep = reader.Segment;
        if (ReferenceEquals(_oldestHeld, keep))
        {
            return;
        }

        lock (_gate)
        {
            while (!ReferenceEquals(_oldestHeld, keep) && _oldestHeld.Next is { } next)
            {
                TapeSegment done = _oldestHeld;
                _oldestHeld = next;
                _heldBytes -= done.MemoryBytes;
                done.Next = null;
                if (done.Bytes.Length == _blockSize && _free.Count < MaxFree)
                {
                    _free.Push(done);
                }
            }
        }
    }

    /// <summary>
    /// Stops the producer if it is still running; it returns at its next block. Never waits for it. When the producer has
    /// finished, its blocks go back to the shared pool; a producer still running keeps its blocks.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _abandoned = true;
            _ready.Clear();
            Monitor.PulseAll(_gate);
            if (!_finished)
            {
                return;
            }
        }

        lock (SharedPool)
        {
            foreach (TapeSegment segment in _owned)
            {
                if (segment.Bytes.Length == PooledBlockSize && SharedPool.Count < MaxPooled)
                {
                    SharedPool.Push(segment);
                }
            }
        }

        _owned.Clear();
    }

    /// <summary>The block after <paramref name="segment"/>, waiting for the producer; null when the input has ended.</summary>
    internal TapeSegment? Next(TapeSegment segment)
    {
        lock (_gate)
        {
            if (segment.Next is { } linked)
            {
                return linked;
            }

            while (_ready.Count == 0 && !_finished)
            {
                Monitor.Wait(_gate);
            }

            if (_ready.Count == 0)
            {
                _failure?.Throw();
                return null;
            }

            TapeSegment next = _ready.Dequeue();
            segment.Next = next;
            Monitor.PulseAll(_gate); // room in the queue for the producer
            _heldBytes += next.MemoryBytes;
            if (_heldBytes > MaxHeldBytes)
            {
                throw new TapeLimitException(
                    $"one object needs more than {MaxHeldBytes >> 20} MiB to hold (its text and tokens); {_sizeHint}");
            }

            return next;
        }
    }

    // ---- Producer -----------------------------------------------------------------------------------------------------

    private void Produce()
    {
        try
        {
            Tokenize();
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _failure = ExceptionDispatchInfo.Capture(ex);
                _finished = true;
                Monitor.PulseAll(_gate);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private void Tokenize()
    {
        var state = new JsonReaderState(ReaderOptions);
        TapeSegment block = _current;
        while (true)
        {
            bool betweenDocuments;
            try
            {
                betweenDocuments = TokenizeBlock(block, ref state);
            }
            catch (JsonException)
            {
                // Tokens before the syntax error are the parser's; its bytes still have to be UTF-8 to be read.
                CheckUtf8(block, block.DataEnd);
                Publish(block);
                throw;
            }

            CheckUtf8(block, block.DataEnd);
            int consumed = block.DataEnd;
            if (_eof)
            {
                Finish(block, consumed, betweenDocuments, state);
                return;
            }

            // The reader stops before whitespace it cannot see the end of. A long run of it (padding, a hostile file)
            // is dropped here rather than carried into an ever larger block; short runs stay, so the reader's line
            // numbers in syntax errors stay right for ordinary files.
            int tail = block.Filled - consumed;
            int blank = block.Bytes.AsSpan(consumed, tail).IndexOfAnyExcept(" \t\r\n"u8);
            blank = blank < 0 ? tail : blank;
            if (blank >= block.Bytes.Length / 2)
            {
                consumed += blank;
                tail -= blank;
            }

            // The bytes of the token cut by the end of the block start the next block, which grows when one token
            // fills a whole block.
            int size = consumed == 0 && block.Filled == block.Bytes.Length ? NextSize(block.Bytes.Length) : Math.Max(_blockSize, tail * 2);
            _blockOrigin += consumed;
            if (block.Count == 0 && size <= block.Bytes.Length)
            {
                // Nothing in the block for the parser (it was whitespace): refill it in place instead of handing the
                // parser an empty block to hold.
                block.Bytes.AsSpan(consumed, tail).CopyTo(block.Bytes);
                block.Reset();
                block.Filled = tail;
            }
            else
            {
                TapeSegment next = TakeBlock(size);
                block.Bytes.AsSpan(consumed, tail).CopyTo(next.Bytes);
                next.Filled = tail;
                if (block.Count == 0)
                {
                    Recycle(block); // outgrown by one long token before it held any
                }
                else
                {
                    Publish(block);
                }

                block = next;
            }

            if (!Fill(block))
            {
                return; // abandoned
            }
        }
    }

    /// <summary>
    /// Throws when the block's bytes up to <paramref name="end"/> are not UTF-8, after dropping the tokens from the
    /// one that holds the bad byte on, so the parser meets the error at that token's place.
    /// </summary>
    private void CheckUtf8(TapeSegment block, int end)
    {
        ReadOnlySpan<byte> text = block.Bytes.AsSpan(0, end);
        if (System.Text.Unicode.Utf8.IsValid(text))
        {
            return;
        }

        int bad = FirstInvalidUtf8(text);
        block.KeepTokensBefore(bad);
        Publish(block);
        throw new TapeLimitException(
            $"invalid UTF-8 (byte 0x{text[bad]:X2} at offset {_blockOrigin + bad} of the input); JSON text must be UTF-8");
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> text)
    {
        int i = 0;
        while (i < text.Length)
        {
            int ascii = text[i..].IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (ascii < 0)
            {
                break;
            }

            i += ascii;
            if (System.Text.Rune.DecodeFromUtf8(text[i..], out _, out int length) != System.Buffers.OperationStatus.Done)
            {
                return i;
            }

            i += length;
        }

        return text.Length;
    }

    /// <summary>
    /// Tokenizes the whole tokens of one block and sets its <see cref="TapeSegment.DataEnd"/>; returns whether the reader
    /// stopped between documents. Optimized at once: it runs a few hundred times per load with a loop of ~100,000 tokens
    /// each, which tiered compilation would start in unoptimized code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TokenizeBlock(TapeSegment block, ref JsonReaderState state)
    {
        var reader = new Utf8JsonReader(block.Bytes.AsSpan(0, block.Filled), isFinalBlock: false, state);
        try
        {
            while (BetweenDocuments(ref reader) ? BlankByteOrderMark(block, (int)reader.BytesConsumed) && reader.Read() : reader.Read())
            {
                block.Append(ref reader, 0);
            }
        }
        finally
        {
            block.DataEnd = (int)reader.BytesConsumed;
        }

        state = reader.CurrentState;
        return BetweenDocuments(ref reader);
    }

    /// <summary>At the end of the input: trailing text between documents is tokenized with a final block; inside a document the input is truncated.</summary>
    private void Finish(TapeSegment block, int consumed, bool betweenDocuments, JsonReaderState state)
    {
        // Inside a document the tape simply ends: the parser, needing more tokens, reports the truncation at its path.
        ReadOnlySpan<byte> rest = block.Bytes.AsSpan(consumed, block.Filled - consumed);
        if (betweenDocuments)
        {
            if (rest.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
            {
                var last = new Utf8JsonReader(rest, isFinalBlock: true, state);
                try
                {
                    while (last.Read())
                    {
                        block.Append(ref last, consumed);
                    }
                }
                finally
                {
                    block.DataEnd = consumed + (int)last.BytesConsumed;
                }

                CheckUtf8(block, block.DataEnd);
                Publish(block);
            }
            else
            {
                Publish(block);
            }
        }
        else
        {
            Publish(block);
        }

        lock (_gate)
        {
            _finished = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>True before the first document and after each one, where a concatenated file may carry another byte order mark.</summary>
    private static bool BetweenDocuments(ref Utf8JsonReader reader) =>
        reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.PropertyName);

    /// <summary>
    /// Files concatenated with <c>cat</c> may each start with a UTF-8 byte order mark, which the reader rejects; it is
    /// overwritten with spaces. False when the block ends before the mark can be told apart (more bytes are needed).
    /// </summary>
    private bool BlankByteOrderMark(TapeSegment block, int at)
    {
        ReadOnlySpan<byte> ahead = block.Bytes.AsSpan(at, block.Filled - at);
        int next = ahead.IndexOfAnyExcept(" \t\r\n"u8);
        if (next < 0 || ahead[next] != 0xEF)
        {
            return true;
        }

        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (ahead.Length - next < bom.Length)
        {
            return _eof;
        }

        if (ahead[next..].StartsWith(bom))
        {
            block.Bytes.AsSpan(at + next, bom.Length).Fill((byte)' ');
        }

        return true;
    }

    private int NextSize(int size) => size >= MaxTokenBytes
        ? throw new TapeLimitException($"a single value (string, number or comment) is longer than {MaxTokenBytes >> 20} MiB; {_sizeHint}")
        : Math.Min(size * 2, MaxTokenBytes);

    /// <summary>Fills the block from the stream; false when the parser has gone away.</summary>
    private bool Fill(TapeSegment block)
    {
        while (block.Filled < block.Bytes.Length)
        {
            if (Volatile.Read(ref _abandoned))
            {
                return false;
            }

            int read = _stream.Read(block.Bytes, block.Filled, block.Bytes.Length - block.Filled);
            if (read == 0)
            {
                _eof = true;
                break;
            }

            block.Filled += read;
            Volatile.Write(ref _bytesRead, _bytesRead + read);
        }

        return true;
    }

    /// <summary>A block the parser never saw goes back to the free list (when it has the standard size).</summary>
    private void Recycle(TapeSegment block)
    {
        lock (_gate)
        {
            if (block.Bytes.Length == _blockSize && _free.Count < MaxFree)
            {
                block.Reset();
                _free.Push(block);
            }
        }
    }

    private TapeSegment TakeBlock(int size)
    {
        if (size == _blockSize)
        {
            lock (_gate)
            {
                if (_free.TryPop(out TapeSegment? reused))
                {
                    reused.Reset();
                    return reused;
                }
            }
        }

        return Rent(size);
    }

    /// <summary>A block from the shared pool or a new one; the tape owns it until <see cref="Dispose"/>.</summary>
    private TapeSegment Rent(int size)
    {
        TapeSegment? segment = null;
        if (size == PooledBlockSize)
        {
            lock (SharedPool)
            {
                SharedPool.TryPop(out segment);
            }
        }

        if (segment is null)
        {
            // A larger block holds one long token and the usual tokens around it: its token array starts at the size
            // of a standard block's and grows if needed, rather than at one token per 8 bytes of a 16 MiB block.
            segment = new TapeSegment(size, Math.Min(size, _blockSize));
        }
        else
        {
            segment.Reset();
        }

        lock (_gate)
        {
            _owned.Add(segment);
        }

        return segment;
    }

    private void Publish(TapeSegment block)
    {
        lock (_gate)
        {
            while (_ready.Count >= MaxQueued && !_abandoned)
            {
                Monitor.Wait(_gate);
            }

            if (!_abandoned)
            {
                _ready.Enqueue(block);
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>A limit of the loader (not a JSON syntax error); the parser reports it at its current path.</summary>
    internal sealed class TapeLimitException(string message) : Exception(message);
}

/// <summary>One block of input bytes and the tokens whose bytes it holds.</summary>
internal sealed class TapeSegment
{
    private const int BytesPerTokenGuess = 8;

    public TapeSegment(int size, int tokenBytes)
    {
        Bytes = new byte[size];
        Tokens = new TapeToken[Math.Max(16, tokenBytes / BytesPerTokenGuess)];
    }

    private TapeSegment()
    {
        Bytes = [];
        Tokens = [];
    }

    public byte[] Bytes { get; }

    public TapeToken[] Tokens { get; private set; }

    /// <summary>What the block holds in memory: its bytes and its token array.</summary>
    public long MemoryBytes => Bytes.Length + ((long)Tokens.Length * Unsafe.SizeOf<TapeToken>());

    public int Count { get; private set; }

    /// <summary>Bytes read into <see cref="Bytes"/>.</summary>
    public int Filled { get; set; }

    /// <summary>The end of the bytes that belong to this block's tokens; the rest moved to the next block.</summary>
    public int DataEnd { get; set; }

    /// <summary>The block after this one, once a reader has reached it.</summary>
    public TapeSegment? Next { get; set; }

    /// <summary>The empty block readers start in.</summary>
    public static TapeSegment Head() => new();

    public void Reset()
    {
        Count = 0;
        Filled = 0;
        DataEnd = 0;
        Next = null;
    }

    /// <summary>Records the reader's current token; <paramref name="origin"/> is where the reader's span starts in <see cref="Bytes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(ref Utf8JsonReader reader, int origin)
    {
        if (Count == Tokens.Length)
        {
            Grow();
        }

        JsonTokenType type = reader.TokenType;
        int start = origin + (int)reader.TokenStartIndex;
        Tokens[Count++] = type switch
        {
            // Strings and property names: the value between the quotes, as Utf8JsonReader.ValueSpan has it.
            JsonTokenType.String or JsonTokenType.PropertyName => new TapeToken(start + 1, reader.ValueSpan.Length, type, reader.ValueIsEscaped),
            JsonTokenType.StartObject or JsonTokenType.EndObject or JsonTokenType.StartArray or JsonTokenType.EndArray => new TapeToken(start, 1, type, false),
            _ => new TapeToken(start, reader.ValueSpan.Length, type, false),
        };
    }

    /// <summary>Drops the tokens that end after <paramref name="offset"/> (the one holding it and all after it).</summary>
    public void KeepTokensBefore(int offset)
    {
        int keep = 0;
        while (keep < Count && Tokens[keep].Start + Tokens[keep].Length <= offset)
        {
            keep++;
        }

        Count = keep;
    }

    private void Grow()
    {
        TapeToken[] larger = new TapeToken[Tokens.Length * 2];
        Tokens.AsSpan().CopyTo(larger);
        Tokens = larger;
    }
}

/// <summary>One token: where its value is in the block, its type, and whether the string holds escapes.</summary>
internal readonly record struct TapeToken(int Start, int Length, JsonTokenType Type, bool Escaped);
