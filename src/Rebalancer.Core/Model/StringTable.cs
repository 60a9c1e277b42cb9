namespace Rebalancer.Core.Model;

/// <summary>
/// Interns the strings of a snapshot (namespaces, label keys and values, owner names, images…) to dense int ids,
/// so hot loops compare ints. Id 0 is always the empty string.
/// </summary>
public sealed class StringTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _values = [];

    public StringTable() => Intern(string.Empty);

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
