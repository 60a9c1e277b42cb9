using System.Collections;
using System.Text;

namespace Rebalancer.Core.Model;

/// <summary>
/// A column of unique strings (pod names and uids) kept as UTF-8 in one buffer with row offsets, decoded when read.
/// 150,000 pods' names and uids as <see cref="string"/> objects are 300,000 heap objects (~28 MB) that every full
/// garbage collection marks and every new process page-faults in; as two buffers they are ~11 MB and nothing to mark.
/// Reports and the executor read a few of them; hot loops compare with <see cref="ValueEquals"/>, which allocates nothing.
/// </summary>
public sealed class Utf8StringColumn : IReadOnlyList<string>
{
    private readonly byte[] _bytes;
    private readonly int[] _start;

    /// <summary>Wraps <paramref name="bytes"/>: row <c>i</c> is <c>bytes[start[i]..start[i+1]]</c>; the caller vouches it is UTF-8.</summary>
    public Utf8StringColumn(byte[] bytes, int[] start)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(start);
        if (start.Length == 0)
        {
            throw new ArgumentException("A column has at least one row start (0 for no rows).", nameof(start));
        }

        _bytes = bytes;
        _start = start;
    }

    public static Utf8StringColumn Empty { get; } = new([], [0]);

    public int Count => _start.Length - 1;

    /// <summary>The UTF-8 bytes of all rows, back to back.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Row starts into <see cref="Bytes"/>, <see cref="Count"/> + 1 of them.</summary>
    public ReadOnlySpan<int> Starts => _start;

    /// <summary>Decodes row <paramref name="index"/> (a new string each call).</summary>
    public string this[int index] => Encoding.UTF8.GetString(Utf8(index));

    public static Utf8StringColumn From(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int[] start = new int[values.Count + 1];
        long total = 0;
        for (int i = 0; i < values.Count; i++)
        {
            total += Encoding.UTF8.GetByteCount(values[i]);
            start[i + 1] = checked((int)total);
        }

        byte[] bytes = new byte[total];
        for (int i = 0; i < values.Count; i++)
        {
            Encoding.UTF8.GetBytes(values[i], bytes.AsSpan(start[i]));
        }

        return new Utf8StringColumn(bytes, start);
    }

    public ReadOnlySpan<byte> Utf8(int index) => _bytes.AsSpan(_start[index], _start[index + 1] - _start[index]);

    /// <summary>Row <paramref name="index"/> equals <paramref name="value"/> (ordinal), without decoding the row.</summary>
    public bool ValueEquals(int index, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ReadOnlySpan<byte> row = Utf8(index);
        return System.Text.Ascii.IsValid(row)
            ? row.Length == value.Length && System.Text.Ascii.Equals(row, value)
            : Encoding.UTF8.GetString(row) == value;
    }

    /// <summary>The first row equal to <paramref name="value"/>, or -1 (a linear scan, for lookups by name).</summary>
    public int IndexOf(string value)
    {
        for (int i = 0; i < Count; i++)
        {
            if (ValueEquals(i, value))
            {
                return i;
            }
        }

        return -1;
    }

    public IEnumerator<string> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
