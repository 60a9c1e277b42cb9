namespace Rebalancer.Core.Model;

/// <summary>
/// Interns the strings of a snapshot (namespaces, label keys and values, owner names, images…) to dense int ids,
/// so hot loops compare ints. Id 0 is always the empty string.
/// </summary>
public sealed class StringTable
{
    private readonly Dictionary<string, int> _ids;
    private readonly List<string> _values;

    public StringTable()
        : this(0)
    {
    }

    /// <summary>A table with room for <paramref name="capacity"/> strings (a saved snapshot's table is read back whole).</summary>
    public StringTable(int capacity)
    {
        _ids = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        _values = new List<string>(capacity);
        Intern(string.Empty);
    }

    public int Count => _values.Count;

    public string this[int id] => _values[id];

    public int Intern(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_ids.TryGetValue(value, out int id))
        {
            return id;
        }

        id = _values.Count;
        _values.Add(value);
        _ids.Add(value, id);
        return id;
    }

    /// <summary>The id of <paramref name="value"/>, or -1 when the snapshot never saw it (nothing can match it).</summary>
    public int Find(string value) => _ids.TryGetValue(value, out int id) ? id : -1;
}
