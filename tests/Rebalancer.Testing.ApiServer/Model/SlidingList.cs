namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>
/// A list that drops items from the front in amortised O(1): the store's retained revisions and changes are trimmed
/// from the oldest end on every write once the history limit is reached, and <see cref="List{T}.RemoveAt(int)"/> at 0
/// would shift the whole history (20,000 items) per write — quadratic over a 150k-object load.
/// </summary>
internal sealed class SlidingList<T>
{
    private readonly List<T> _items = [];
    private int _head;

    public int Count => _items.Count - _head;

    public T this[int index] => _items[_head + index];

    public void Add(T item) => _items.Add(item);

    public void Clear()
    {
        _items.Clear();
        _head = 0;
    }

    /// <summary>Drops the first <paramref name="count"/> items; the backing list is compacted once the dropped part
    /// outweighs the live part, so each item is moved at most a constant number of times on average.</summary>
    public void RemoveFirst(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        _head += count;
        if (_head > 1024 && _head > _items.Count / 2)
        {
            _items.RemoveRange(0, _head);
            _head = 0;
        }
    }

    /// <summary>The index of the last item whose key is at most <paramref name="key"/> (-1 when none), for items in
    /// ascending key order.</summary>
    public int LastAtMost(long key, Func<T, long> keyOf)
    {
        int lo = 0, hi = Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) / 2);
            if (keyOf(this[mid]) <= key)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }
}
