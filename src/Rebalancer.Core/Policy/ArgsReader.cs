using System.Globalization;
using Rebalancer.Core.Model;

namespace Rebalancer.Core.Policy;

/// <summary>
/// Reads a plugin's <c>args</c> mapping field by field, recording every problem with its path. Like the descheduler's
/// strict args codec, a key that no field read is an error (<see cref="RejectUnknown"/>): a misspelt option must not
/// silently do nothing.
/// </summary>
public sealed class ArgsReader
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public ArgsReader(PolicyNode? node, ConfigProblems problems, string path)
    {
        Node = node;
        Problems = problems;
        Path = node?.Path ?? path;
        if (node is not null && node.Kind is not (PolicyNodeKind.Mapping or PolicyNodeKind.Null))
        {
            problems.Add(node, "must be a mapping");
            Node = null;
        }
    }

    public PolicyNode? Node { get; }

    public ConfigProblems Problems { get; }

    public string Path { get; }

    public string FieldPath(string key) => PolicyNode.ChildPath(Path, key);

    /// <summary>The raw child node (marks the key as known).</summary>
    public PolicyNode? Child(string key)
    {
        _read.Add(key);
        PolicyNode? child = Node?[key];
        return child is null || child.Kind == PolicyNodeKind.Null ? null : child;
    }

    public string? String(string key, IReadOnlyCollection<string>? allowed = null)
    {
        PolicyNode? child = Child(key);
        if (child is null)
        {
            return null;
        }

        if (child.Kind != PolicyNodeKind.Scalar)
        {
            Problems.Add(child, "must be a string");
            return null;
        }

        if (allowed is not null && !allowed.Contains(child.Scalar!))
        {
            Problems.Add(child, $"'{child.Scalar}' is not one of {FormatAllowed(allowed)}");
            return null;
        }

        return child.Scalar;
    }

    public bool? Bool(string key)
    {
        PolicyNode? child = Child(key);
        if (child is null)
        {
            return null;
        }

        if (child.Kind == PolicyNodeKind.Scalar && !child.IsQuoted && bool.TryParse(child.Scalar, out bool value))
        {
            return value;
        }

        Problems.Add(child, $"'{child}' is not a boolean (true or false)");
        return null;
    }

    public long? Integer(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        PolicyNode? child = Child(key);
        return child is null ? null : ToInteger(child, min, max, Problems);
    }

    public double? Number(string key, double min = double.MinValue, double max = double.MaxValue)
    {
        PolicyNode? child = Child(key);
        return child is null ? null : ToNumber(child, min, max, Problems);
    }

    public IReadOnlyList<string>? StringList(string key, IReadOnlyCollection<string>? allowed = null)
    {
        PolicyNode? child = Child(key);
        if (child is null)
        {
            return null;
        }

        if (child.Kind != PolicyNodeKind.Sequence)
        {
            Problems.Add(child, "must be a list of strings");
            return null;
        }

        var values = new List<string>(child.Items.Count);
        foreach (PolicyNode item in child.Items)
        {
            if (item.Kind != PolicyNodeKind.Scalar)
            {
                Problems.Add(item, "must be a string");
            }
            else if (allowed is not null && !allowed.Contains(item.Scalar!))
            {
                Problems.Add(item, $"'{item.Scalar}' is not one of {FormatAllowed(allowed)}");
            }
            else
            {
                values.Add(item.Scalar!);
            }
        }

        return values;
    }

    public IReadOnlyList<long>? IntegerList(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        PolicyNode? child = Child(key);
        if (child is null)
        {
            return null;
        }

        if (child.Kind != PolicyNodeKind.Sequence)
        {
            Problems.Add(child, "must be a list of integers");
            return null;
        }

        var values = new List<long>(child.Items.Count);
        foreach (PolicyNode item in child.Items)
        {
            if (ToInteger(item, min, max, Problems) is long value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    /// <summary>The descheduler's <c>namespaces: {include: [], exclude: []}</c>; both set is an error.</summary>
    public NamespacesSpec? Namespaces(string key, bool allowInclude = true)
    {
        PolicyNode? child = Child(key);
        if (child is null)
        {
            return null;
        }

        var reader = new ArgsReader(child, Problems, FieldPath(key));
        IReadOnlyList<string> include = reader.StringList("include") ?? [];
        IReadOnlyList<string> exclude = reader.StringList("exclude") ?? [];
        reader.RejectUnknown();
        if (include.Count > 0 && exclude.Count > 0)
        {
            Problems.Add(child, "only one of include and exclude can be set");
        }

        if (!allowInclude && include.Count > 0)
        {
            Problems.Add(PolicyNode.ChildPath(child.Path, "include"), "is not supported here; only exclude is");
        }

        return new NamespacesSpec(include, exclude);
    }

    /// <summary>A metav1.LabelSelector: <c>matchLabels</c> and <c>matchExpressions</c> (In, NotIn, Exists, DoesNotExist).</summary>
    public LabelSelectorSpec? LabelSelector(string key)
    {
        PolicyNode? child = Child(key);
        return child is null ? null : ReadLabelSelector(child, Problems);
    }

    public static LabelSelectorSpec? ReadLabelSelector(PolicyNode node, ConfigProblems problems)
    {
        var reader = new ArgsReader(node, problems, node.Path);
        var requirements = new List<SelectorRequirementSpec>();
        PolicyNode? matchLabels = reader.Child("matchLabels");
        if (matchLabels is not null)
        {
            if (matchLabels.Kind != PolicyNodeKind.Mapping)
            {
                problems.Add(matchLabels, "must be a mapping of label keys to values");
            }
            else
            {
                foreach ((string labelKey, PolicyNode value) in matchLabels.Entries)
                {
                    if (value.Kind != PolicyNodeKind.Scalar)
                    {
                        problems.Add(value, "must be a string");
                        continue;
                    }

                    if (!LabelSelectorSpec.IsValidKey(labelKey, out string keyError))
                    {
                        problems.Add(value.Path, $"'{labelKey}' is not a valid label key: {keyError}");
                    }
                    else if (!LabelSelectorSpec.IsValidValue(value.Scalar!, out string valueError))
                    {
                        problems.Add(value, $"'{value.Scalar}' is not a valid label value: {valueError}");
                    }

                    requirements.Add(new SelectorRequirementSpec(labelKey, SelectorOperator.In, [value.Scalar!]));
                }
            }
        }

        PolicyNode? expressions = reader.Child("matchExpressions");
        if (expressions is not null)
        {
            if (expressions.Kind != PolicyNodeKind.Sequence)
            {
                problems.Add(expressions, "must be a list");
            }
            else
            {
                foreach (PolicyNode expression in expressions.Items)
                {
                    var e = new ArgsReader(expression, problems, expression.Path);
                    string? labelKey = e.String("key");
                    string? op = e.String("operator", ["In", "NotIn", "Exists", "DoesNotExist"]);
                    IReadOnlyList<string> values = e.StringList("values") ?? [];
                    e.RejectUnknown();
                    if (labelKey is null)
                    {
                        problems.Add(e.FieldPath("key"), "is required");
                        continue;
                    }

                    if (op is null)
                    {
                        if (expression["operator"] is null)
                        {
                            problems.Add(e.FieldPath("operator"), "is required (In, NotIn, Exists or DoesNotExist)");
                        }

                        continue;
                    }

                    if (!LabelSelectorSpec.IsValidKey(labelKey, out string keyError))
                    {
                        problems.Add(e.FieldPath("key"), $"'{labelKey}' is not a valid label key: {keyError}");
                    }

                    for (int v = 0; v < values.Count; v++)
                    {
                        if (!LabelSelectorSpec.IsValidValue(values[v], out string valueError))
                        {
                            problems.Add(PolicyNode.ItemPath(e.FieldPath("values"), v), $"'{values[v]}' is not a valid label value: {valueError}");
                        }
                    }

                    var parsed = Enum.Parse<SelectorOperator>(op);
                    if (parsed is SelectorOperator.In or SelectorOperator.NotIn && values.Count == 0)
                    {
                        problems.Add(e.FieldPath("values"), $"must be non-empty for operator {op}");
                    }
                    else if (parsed is SelectorOperator.Exists or SelectorOperator.DoesNotExist && values.Count > 0)
                    {
                        problems.Add(e.FieldPath("values"), $"must be empty for operator {op}");
                    }

                    requirements.Add(new SelectorRequirementSpec(labelKey, parsed, values));
                }
            }
        }

        reader.RejectUnknown();
        return new LabelSelectorSpec(requirements);
    }

    /// <summary>Reports every key of this mapping that no accessor asked for.</summary>
    public void RejectUnknown()
    {
        if (Node is null)
        {
            return;
        }

        foreach ((string key, PolicyNode value) in Node.Entries)
        {
            if (!_read.Contains(key))
            {
                Problems.Add(value.Path, $"unknown field '{key}'" + (_read.Count > 0 ? $" (known: {string.Join(", ", _read.Order(StringComparer.Ordinal))})" : string.Empty)
                    + NameSuggestions.Hint(key, _read));
            }
        }
    }

    public static long? ToInteger(PolicyNode node, long min, long max, ConfigProblems problems)
    {
        if (node.Kind != PolicyNodeKind.Scalar || node.IsQuoted
            || !long.TryParse(node.Scalar, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            problems.Add(node, $"'{node}' is not an integer");
            return null;
        }

        if (value < min || value > max)
        {
            problems.Add(node, $"{value} is not in [{FormatBound(min)}, {FormatBound(max)}]");
            return null;
        }

        return value;
    }

    public static double? ToNumber(PolicyNode node, double min, double max, ConfigProblems problems)
    {
        if (node.Kind != PolicyNodeKind.Scalar || node.IsQuoted
            || !double.TryParse(node.Scalar, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            problems.Add(node, $"'{node}' is not a number");
            return null;
        }

        if (value < min || value > max)
        {
            problems.Add(node, $"{node.Scalar} is not in [{FormatBound(min)}, {FormatBound(max)}]");
            return null;
        }

        return value;
    }

    private static string FormatBound(double value) =>
        value <= long.MinValue ? "-inf" : value >= long.MaxValue ? "inf" : value.ToString(CultureInfo.InvariantCulture);

    private static string FormatAllowed(IReadOnlyCollection<string> allowed) => string.Join(", ", allowed);
}
