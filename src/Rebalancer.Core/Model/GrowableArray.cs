namespace Rebalancer.Core.Model;

/// <summary>
/// An append-only column used while building a snapshot; <see cref="ToArray"/> copies it once into an exact-size array.
/// <para>
/// Items live in chunks of <see cref="ChunkLength"/>, so growing past the first chunk allocates one more chunk and
/// copies nothing. A doubling array allocates about twice its final size again in short-lived large arrays: for a
/// 150,000-pod snapshot, over a quarter of everything loading allocated. A chunk of 4-byte or larger items is itself
/// a large object (85,000 bytes or more), so the columns that get big are never copied by gen0 and gen1 collections
/// either. The first chunk starts small and doubles up to <see cref="ChunkLength"/>, so the many small builders (test
/// clusters, small live clusters) stay small.
/// </para>
/// </summary>
internal struct GrowableArray<T>
{
    /// <summary>Chunk length as a power of two, so an index splits into chunk and offset with a shift and a mask.</summary>
    private const int ChunkShift = 15;
    private const int ChunkLength = 1 << ChunkShift;
    private const int ChunkMask = ChunkLength - 1;
    private const int FirstLength = 16;

    // The first chunk, which also holds every item while there are at most ChunkLength of them.
    private T[] _first;

    // All chunks, _first included; null until the first chunk is full.
    private T[][]? _chunks;

    // The chunk being filled and how many items it holds.
    private T[] _tail;
    private int _tailCount;
    private int _count;

    public GrowableArray()
    {
        _first = [];
        _tail = _first;
    }

    public readonly int Count => _count;

    public readonly ref T this[int index] => ref (index < ChunkLength ? _first : _chunks![index >> ChunkShift])[index & ChunkMask];

    public void Add(T item)
    {
        if (_tailCount == _tail.Length)
        {
            Grow();
        }

        _tail[_tailCount++] = item;
        _count++;
    }

    /// <summary>
    /// The items in an exact-size array. When the first chunk holds them all and is exactly full it is handed over as is:
    /// any later <see cref="Add"/> must grow first, so the returned array is never written again.
    /// </summary>
    public readonly T[] ToArray()
    {
        if (_count == 0)
        {
            return [];
        }

        if (_chunks is null)
        {
            return _count == _first.Length ? _first : _first.AsSpan(0, _count).ToArray();
        }

        T[] result = GC.AllocateUninitializedArray<T>(_count);
        for (int start = 0, chunk = 0; start < _count; start += ChunkLength, chunk++)
        {
            _chunks[chunk].AsSpan(0, Math.Min(ChunkLength, _count - start)).CopyTo(result.AsSpan(start));
        }

        return result;
    }

    private void Grow()
    {
        if (_first.Length < ChunkLength)
        {
            Array.Resize(ref _first, Math.Max(FirstLength, _first.Length * 2));
            _tail = _first;
            return;
        }

        int chunk = _count >> ChunkShift;
        if (_chunks is null)
        {
            _chunks = new T[4][];
            _chunks[0] = _first;
        }
        else if (chunk == _chunks.Length)
        {
            Array.Resize(ref _chunks, chunk * 2);
        }

        _tail = new T[ChunkLength];
        _chunks[chunk] = _tail;
        _tailCount = 0;
    }
}
