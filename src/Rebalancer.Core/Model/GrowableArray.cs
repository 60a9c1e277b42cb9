namespace Rebalancer.Core.Model;

/// <summary>An append-only array used while building columns; <see cref="ToArray"/> trims it.</summary>
internal struct GrowableArray<T>
{
    private T[] _items;
    private int _count;

    public GrowableArray(int capacity)
    {
        _items = capacity == 0 ? [] : new T[capacity];
        _count = 0;
    }

    public readonly int Count => _count;

    public readonly ref T this[int index] => ref _items[index];

    public void Add(T item)
    {
        if (_count == (_items?.Length ?? 0))
        {
            Array.Resize(ref _items, Math.Max(16, _count * 2));
        }

        _items![_count++] = item;
    }

    public readonly T[] ToArray() => _count == 0 ? [] : _items.AsSpan(0, _count).ToArray();
}
