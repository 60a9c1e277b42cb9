using System.Diagnostics.CodeAnalysis;
using System.Text;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// A dictionary keyed by UTF-8 bytes that is looked up with a span, so finding a key the loader has seen before costs a
/// hash and a compare but no allocation. Keys are copied once, on insertion.
/// </summary>
internal sealed class Utf8Dictionary<TValue>
{
    private readonly Dictionary<byte[], TValue> _map = new(Utf8KeyComparer.Instance);
    private readonly Dictionary<byte[], TValue>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public Utf8Dictionary() => _lookup = _map.GetAlternateLookup<ReadOnlySpan<byte>>();

    public int Count => _map.Count;

    public bool TryGetValue(ReadOnlySpan<byte> key, [MaybeNullWhen(false)] out TValue value) => _lookup.TryGetValue(key, out value);

    public void Set(ReadOnlySpan<byte> key, TValue value) => _lookup[key] = value;

    private sealed class Utf8KeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Utf8KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(byte[] obj) => Hash(obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => Hash(alternate);

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();

        // HashCode is seeded per process, so crafted input cannot force collisions.
        private static int Hash(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}

/// <summary>
/// Interns UTF-8 strings into a <see cref="StringTable"/> without decoding the ones already seen: label keys and values,
/// namespaces, images and owner names repeat across tens of thousands of pods.
/// </summary>
internal sealed class Utf8Interner
{
    private readonly StringTable _table;
    private readonly Utf8Dictionary<int> _ids = new();

    public Utf8Interner(StringTable table) => _table = table;

    public string this[int id] => _table[id];

    public int Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return 0;
        }

        if (_ids.TryGetValue(utf8, out int id))
        {
            return id;
        }

        id = _table.Intern(Encoding.UTF8.GetString(utf8));
        _ids.Set(utf8, id);
        return id;
    }

    public int Intern(string value) => _table.Intern(value);
}
