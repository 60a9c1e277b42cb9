namespace Rebalancer.Core.Model;

/// <summary>
/// Key/value pairs of many entities in compressed-sparse-row form: entity <c>i</c> owns
/// <c>Keys[Start[i]..Start[i+1]]</c> and the same range of <c>Values</c>. Used for labels, annotations and node selectors.
/// </summary>
public sealed class KeyValueColumn
{
    public KeyValueColumn(int[] start, int[] keys, int[] values)
    {
        Start = start;
        Keys = keys;
        Values = values;
    }

    public int[] Start { get; }

    public int[] Keys { get; }

    public int[] Values { get; }

    public static KeyValueColumn Empty(int entities) => new(new int[entities + 1], [], []);

    public LabelView this[int entity] => new(Keys, Values, Start[entity], Start[entity + 1]);
}

/// <summary>The labels (or annotations) of one entity, as interned ids.</summary>
public readonly struct LabelView
{
    private readonly int[] _keys;
    private readonly int[] _values;
    private readonly int _start;
    private readonly int _end;

    public LabelView(int[] keys, int[] values, int start, int end)
    {
        _keys = keys;
        _values = values;
        _start = start;
        _end = end;
    }

    public int Count => _end - _start;

    public ReadOnlySpan<int> Keys => _keys.AsSpan(_start, _end - _start);

    public ReadOnlySpan<int> Values => _values.AsSpan(_start, _end - _start);

    public bool TryGet(int key, out int value)
    {
        for (int i = _start; i < _end; i++)
        {
            if (_keys[i] == key)
            {
                value = _values[i];
                return true;
            }
        }

        value = 0;
        return false;
    }

    public bool Contains(int key) => TryGet(key, out _);

    /// <summary>The value id for <paramref name="key"/>, or -1 when absent.</summary>
    public int Get(int key) => TryGet(key, out int value) ? value : -1;
}

/// <summary>One requirement of a label selector (matchLabels entries become In with one value).</summary>
public sealed record SelectorRequirement(int Key, SelectorOperator Operator, int[] Values)
{
    public bool Matches(LabelView labels)
    {
        bool present = labels.TryGet(Key, out int value);
        switch (Operator)
        {
            case SelectorOperator.In:
                return present && Array.IndexOf(Values, value) >= 0;
            case SelectorOperator.NotIn:
                // As in apimachinery: NotIn matches objects that lack the key.
                return !present || Array.IndexOf(Values, value) < 0;
            case SelectorOperator.Exists:
                return present;
            case SelectorOperator.DoesNotExist:
                return !present;
            default:
                return false; // Gt/Lt need the string values; see NodeSelectorRequirement.
        }
    }

    public bool Equals(SelectorRequirement? other) =>
        other is not null && Key == other.Key && Operator == other.Operator && Values.AsSpan().SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Key, Operator, ContentHash.Of(Values));
}

/// <summary>
/// A metav1.LabelSelector over interned ids. <see cref="Nothing"/> is the null selector of a PDB (selects no pod);
/// an empty requirement list selects everything.
/// </summary>
public sealed class LabelSelector : IEquatable<LabelSelector>
{
    public static readonly LabelSelector Everything = new([], matchesNothing: false);
    public static readonly LabelSelector Nothing = new([], matchesNothing: true);

    public LabelSelector(SelectorRequirement[] requirements, bool matchesNothing = false)
    {
        Requirements = requirements;
        MatchesNothing = matchesNothing;
    }

    public SelectorRequirement[] Requirements { get; }

    public bool MatchesNothing { get; }

    public bool IsEverything => !MatchesNothing && Requirements.Length == 0;

    public bool Matches(LabelView labels)
    {
        if (MatchesNothing)
        {
            return false;
        }

        foreach (SelectorRequirement requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(LabelSelector? other) =>
        other is not null && MatchesNothing == other.MatchesNothing && Requirements.AsSpan().SequenceEqual(other.Requirements);

    public override bool Equals(object? obj) => Equals(obj as LabelSelector);

    public override int GetHashCode() => HashCode.Combine(MatchesNothing, ContentHash.Of(Requirements));
}
