namespace Rebalancer.Core.Model;

/// <summary>The key of a row, as a <see cref="RowSet"/> sees it: equal to an earlier row or not, and each row's hash.</summary>
internal interface IRowKey
{
    /// <summary>The hash of the key being looked for.</summary>
    int Hash { get; }

    /// <summary>Whether row <paramref name="row"/> (already in the set) has the key being looked for.</summary>
    bool Matches(int row);

    /// <summary>The hash of row <paramref name="row"/>'s key, when the set grows.</summary>
    int HashOf(int row);
}

/// <summary>
/// Row numbers kept unique by a key the caller defines (a pod's namespace and name, its uid), in one int array: open
/// addressing with linear probing, the keys themselves left in the caller's columns. A Dictionary keyed by strings costs
/// ~9 MB for 150,000 pods with its growth; this costs 2 MiB. Hashes should be seeded per process (string hashes and
/// <see cref="HashCode"/> are), so a crafted file cannot make every row collide.
/// </summary>
internal struct RowSet
{
    private int[] _slots; // row + 1; 0 is an empty slot
    private int _count;

    public RowSet()
        : this(0)
    {
    }

    /// <summary>A set sized for <paramref name="capacity"/> rows (a finished table's row count), so it never grows.</summary>
    public RowSet(int capacity)
    {
        int size = 16;
        while (size < capacity * 2L)
        {
            size <<= 1;
        }

        _slots = new int[size];
    }

    /// <summary>The row in the set whose key matches <paramref name="key"/>, or -1.</summary>
    public readonly int Find<TKey>(in TKey key)
        where TKey : struct, IRowKey
    {
        int mask = _slots.Length - 1;
        for (int slot = key.Hash & mask; ; slot = (slot + 1) & mask)
        {
            int other = _slots[slot] - 1;
            if (other < 0 || key.Matches(other))
            {
                return other;
            }
        }
    }

    /// <summary>Adds <paramref name="row"/> under <paramref name="key"/>, which no row in the set has (<see cref="Find"/> said so).</summary>
    public void Add<TKey>(int row, in TKey key)
        where TKey : struct, IRowKey
    {
        if (_count * 2 >= _slots.Length)
        {
            Grow(key);
        }

        int mask = _slots.Length - 1;
        int slot = key.Hash & mask;
        while (_slots[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }

        _slots[slot] = row + 1;
        _count++;
    }

    private void Grow<TKey>(in TKey key)
        where TKey : struct, IRowKey
    {
        int[] old = _slots;
        _slots = new int[old.Length * 2];
        int mask = _slots.Length - 1;
        foreach (int entry in old)
        {
            if (entry == 0)
            {
                continue;
            }

            int slot = key.HashOf(entry - 1) & mask;
            while (_slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            _slots[slot] = entry;
        }
    }
}
