using System.Globalization;
using System.Text;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// The location of the parser in the document, kept as a stack of segment names (constants or already-interned strings)
/// and array indices, so tracking costs a few stores per level; it becomes a string only when an error is reported.
/// </summary>
internal sealed class JsonPathTracker
{
    private string?[] _names = new string?[32];
    private int[] _indices = new int[32];
    private int _depth;

    public int Depth => _depth;

    public void Clear() => _depth = 0;

    public void Push(string name)
    {
        EnsureCapacity();
        _names[_depth] = name;
        _depth++;
    }

    public void PushIndex(int index)
    {
        EnsureCapacity();
        _names[_depth] = null;
        _indices[_depth] = index;
        _depth++;
    }

    public void Pop() => _depth--;

    /// <summary>Like <c>items[3].metadata.labels["app.kubernetes.io/name"]</c>; <c>$</c> for the document root.</summary>
    public override string ToString()
    {
        if (_depth == 0)
        {
            return "$";
        }

        var text = new StringBuilder(_depth * 12);
        for (int i = 0; i < _depth; i++)
        {
            string? name = _names[i];
            if (name is null)
            {
                text.Append('[').Append(_indices[i].ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (IsPlain(name))
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }

                text.Append(name);
            }
            else
            {
                // Label keys and resource names contain dots and slashes; brackets keep the path unambiguous.
                text.Append("[\"").Append(name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"]");
            }
        }

        return text.ToString();
    }

    private static bool IsPlain(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private void EnsureCapacity()
    {
        if (_depth == _names.Length)
        {
            Array.Resize(ref _names, _depth * 2);
            Array.Resize(ref _indices, _depth * 2);
        }
    }
}
