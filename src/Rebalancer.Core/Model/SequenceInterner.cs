using System.Runtime.InteropServices;

namespace Rebalancer.Core.Model;

/// <summary>
/// Gives each distinct sequence of ints a small id, looked up from a span so that only new sequences allocate. Hot
/// loops use it to turn composite identities (owner kind, name and images of a pod) into an int key instead of
/// building a string per pod.
/// </summary>
public sealed class SequenceInterner
{
    private readonly Dictionary<int[], int> _ids = new(SequenceComparer.Instance);
    private readonly Dictionary<int[], int>.AlternateLookup<ReadOnlySpan<int>> _bySpan;

    public SequenceInterner() => _bySpan = _ids.GetAlternateLookup<ReadOnlySpan<int>>();

    public int Count => _ids.Count;

    public int Intern(ReadOnlySpan<int> sequence)
    {
        if (_bySpan.TryGetValue(sequence, out int id))
        {
            return id;
        }

        id = _ids.Count;
        _ids.Add(sequence.ToArray(), id);
        return id;
    }

    private sealed class SequenceComparer : IEqualityComparer<int[]>, IAlternateEqualityComparer<ReadOnlySpan<int>, int[]>
    {
        public static readonly SequenceComparer Instance = new();

        public bool Equals(int[]? x, int[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(int[] obj) => GetHashCode((ReadOnlySpan<int>)obj);

        public bool Equals(ReadOnlySpan<int> alternate, int[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<int> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(alternate));
            return hash.ToHashCode();
        }

        public int[] Create(ReadOnlySpan<int> alternate) => alternate.ToArray();
    }
}
