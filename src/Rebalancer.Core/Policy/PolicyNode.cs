using System.Globalization;

namespace Rebalancer.Core.Policy;

public enum PolicyNodeKind : byte
{
    Null,
    Scalar,
    Sequence,
    Mapping,
}

/// <summary>
/// A parsed configuration document (YAML or JSON) as a small tree that remembers each node's path, so binders in the
/// core can report <c>profiles[0].pluginConfig[1].args.thresholds.cpu</c> without depending on a YAML library.
/// Mapping keys keep document order.
/// </summary>
public sealed class PolicyNode
{
    private static readonly System.Buffers.SearchValues<char> PlainKeyChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./");

    private readonly List<KeyValuePair<string, PolicyNode>>? _mapping;
    private readonly List<PolicyNode>? _sequence;

    private PolicyNode(PolicyNodeKind kind, string path, string? scalar, bool quoted, List<KeyValuePair<string, PolicyNode>>? mapping, List<PolicyNode>? sequence)
    {
        Kind = kind;
        Path = path;
        Scalar = scalar;
        IsQuoted = quoted;
        _mapping = mapping;
        _sequence = sequence;
    }

    public PolicyNodeKind Kind { get; }

    /// <summary>The path of this node from the document root, e.g. <c>profiles[0].name</c> (empty for the root).</summary>
    public string Path { get; }

    public string? Scalar { get; }

    /// <summary>True when the scalar was quoted in the source (so <c>"1"</c> is a string, not a number).</summary>
    public bool IsQuoted { get; }

    public IReadOnlyList<KeyValuePair<string, PolicyNode>> Entries => _mapping ?? [];

    public IReadOnlyList<PolicyNode> Items => _sequence ?? [];

    public static PolicyNode Null(string path) => new(PolicyNodeKind.Null, path, null, false, null, null);

    public static PolicyNode FromScalar(string path, string value, bool quoted = false) => new(PolicyNodeKind.Scalar, path, value, quoted, null, null);

    public static PolicyNode FromMapping(string path, List<KeyValuePair<string, PolicyNode>> entries) => new(PolicyNodeKind.Mapping, path, null, false, entries, null);

    public static PolicyNode FromSequence(string path, List<PolicyNode> items) => new(PolicyNodeKind.Sequence, path, null, false, null, items);

    /// <summary>The path of a child key: <c>a.b</c>, or <c>a["odd key"]</c> when the key is not a plain identifier.</summary>
    public static string ChildPath(string parent, string key)
    {
        bool plain = key.Length > 0 && key.AsSpan().IndexOfAnyExcept(PlainKeyChars) < 0;
        string segment = plain ? key : "[\"" + key.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"]";
        if (parent.Length == 0)
        {
            return segment;
        }

        return plain ? parent + "." + segment : parent + segment;
    }

    public static string ItemPath(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    public PolicyNode? this[string key]
    {
        get
        {
            if (_mapping is null)
            {
                return null;
            }

            foreach (KeyValuePair<string, PolicyNode> entry in _mapping)
            {
                if (string.Equals(entry.Key, key, StringComparison.Ordinal))
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    public override string ToString() => Kind switch
    {
        PolicyNodeKind.Scalar => Scalar!,
        PolicyNodeKind.Null => "null",
        PolicyNodeKind.Sequence => "[…]",
        _ => "{…}",
    };
}
