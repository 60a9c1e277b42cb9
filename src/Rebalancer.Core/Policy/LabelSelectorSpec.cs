using Rebalancer.Core.Model;

namespace Rebalancer.Core.Policy;

/// <summary>
/// A label selector as written in configuration (strings), compiled against a snapshot's string table when planning.
/// Accepts the structured form (matchLabels / matchExpressions) and the string form (<c>a=b,c!=d,e in (f,g),!h</c>).
/// Keys and values follow Kubernetes' rules (<see cref="IsValidKey"/>, <see cref="IsValidValue"/>): a selector that
/// no label can match because of a typo (<c>"bad key!"</c>) is refused rather than silently matching nothing.
/// </summary>
public sealed record LabelSelectorSpec(IReadOnlyList<SelectorRequirementSpec> Requirements)
{
    public static readonly LabelSelectorSpec Everything = new([]);

    public LabelSelector Compile(StringTable strings)
    {
        if (Requirements.Count == 0)
        {
            return LabelSelector.Everything;
        }

        var compiled = new SelectorRequirement[Requirements.Count];
        for (int i = 0; i < compiled.Length; i++)
        {
            SelectorRequirementSpec r = Requirements[i];
            // A key or value the snapshot never saw gets id -1, which no label has: In fails, NotIn holds, as it should.
            compiled[i] = new SelectorRequirement(strings.Find(r.Key), r.Operator, r.Values.Select(strings.Find).ToArray());
        }

        return new LabelSelector(compiled);
    }

    public override string ToString() => string.Join(",", Requirements);

    /// <summary>Parses the string form used by <c>kubectl -l</c> and the policy's <c>nodeSelector</c>.</summary>
    public static bool TryParse(string text, out LabelSelectorSpec selector, out string error)
    {
        var requirements = new List<SelectorRequirementSpec>();
        selector = Everything;
        error = string.Empty;
        int i = 0;
        while (i < text.Length)
        {
            int end = NextTopLevelComma(text, i);
            string part = text[i..end].Trim();
            i = end + 1;
            if (part.Length == 0)
            {
                error = "empty requirement";
                return false;
            }

            if (!TryParseRequirement(part, out SelectorRequirementSpec? requirement, out error))
            {
                return false;
            }

            requirements.Add(requirement!);
        }

        selector = new LabelSelectorSpec(requirements);
        return true;
    }

    private static int NextTopLevelComma(string text, int from)
    {
        int depth = 0;
        for (int i = from; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                return i;
            }
        }

        return text.Length;
    }

    private static bool TryParseRequirement(string part, out SelectorRequirementSpec? requirement, out string error)
    {
        requirement = null;
        error = string.Empty;
        if (part.StartsWith('!'))
        {
            requirement = new SelectorRequirementSpec(part[1..].Trim(), SelectorOperator.DoesNotExist, []);
            return ValidKey(requirement.Key, out error);
        }

        foreach ((string token, SelectorOperator op) in new[] { (" notin ", SelectorOperator.NotIn), (" in ", SelectorOperator.In) })
        {
            int at = part.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                string key = part[..at].Trim();
                string rest = part[(at + token.Length)..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')'))
                {
                    error = $"'{part}': values must be in parentheses";
                    return false;
                }

                string[] values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                requirement = new SelectorRequirementSpec(key, op, values);
                return ValidKeyAndValues(requirement, out error);
            }
        }

        foreach ((string token, SelectorOperator op) in new[] { ("!=", SelectorOperator.NotIn), ("==", SelectorOperator.In), ("=", SelectorOperator.In) })
        {
            int at = part.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                string key = part[..at].Trim();
                string value = part[(at + token.Length)..].Trim();
                requirement = new SelectorRequirementSpec(key, op, [value]);
                return ValidKeyAndValues(requirement, out error);
            }
        }

        requirement = new SelectorRequirementSpec(part, SelectorOperator.Exists, []);
        return ValidKey(part, out error);
    }

    private static bool ValidKey(string key, out string error)
    {
        if (!IsValidKey(key, out string why))
        {
            error = $"'{key}' is not a valid label key: {why}";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool ValidKeyAndValues(SelectorRequirementSpec requirement, out string error)
    {
        if (!ValidKey(requirement.Key, out error))
        {
            return false;
        }

        foreach (string value in requirement.Values)
        {
            if (!IsValidValue(value, out string why))
            {
                error = $"'{value}' is not a valid label value: {why}";
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A label key as apimachinery's IsQualifiedName has it: an optional DNS subdomain prefix (at most 253 characters,
    /// lower case) and a slash, then a name of at most 63 characters of letters, digits, '-', '_' and '.', starting and
    /// ending with a letter or digit. <paramref name="error"/> says which rule the key breaks.
    /// </summary>
    public static bool IsValidKey(string key, out string error)
    {
        ArgumentNullException.ThrowIfNull(key);
        string name = key;
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0 || prefix.Length > 253 || !IsDnsSubdomain(prefix))
            {
                error = "the prefix before '/' must be a DNS subdomain of at most 253 characters (lower-case letters, digits, '-' and '.', e.g. example.com)";
                return false;
            }
        }

        if (name.Length == 0 || name.Length > 63 || !IsLabelName(name))
        {
            error = "the name must be 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit, with an optional prefix and '/' (e.g. app.kubernetes.io/name)";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>A label value as apimachinery's IsValidLabelValue has it: empty, or a name of at most 63 characters.</summary>
    public static bool IsValidValue(string value, out string error)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && (value.Length > 63 || !IsLabelName(value)))
        {
            error = "a value is empty or 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool IsLabelName(string text)
    {
        if (!char.IsAsciiLetterOrDigit(text[0]) || !char.IsAsciiLetterOrDigit(text[^1]))
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDnsSubdomain(string text)
    {
        foreach (string label in text.Split('.'))
        {
            if (label.Length == 0 || label.Length > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsAsciiDigit(c) && !char.IsAsciiLetterLower(c) && c != '-')
                {
                    return false;
                }
            }
        }

        return true;
    }
}

public sealed record SelectorRequirementSpec(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public override string ToString() => Operator switch
    {
        SelectorOperator.Exists => Key,
        SelectorOperator.DoesNotExist => "!" + Key,
        SelectorOperator.In when Values.Count == 1 => Key + "=" + Values[0],
        SelectorOperator.NotIn when Values.Count == 1 => Key + "!=" + Values[0],
        SelectorOperator.In => Key + " in (" + string.Join(",", Values) + ")",
        SelectorOperator.NotIn => Key + " notin (" + string.Join(",", Values) + ")",
        _ => Key + " " + Operator + " " + string.Join(",", Values),
    };
}

/// <summary>The descheduler's <c>namespaces: {include, exclude}</c> parameter; setting both is invalid.</summary>
public sealed record NamespacesSpec(IReadOnlyList<string> Include, IReadOnlyList<string> Exclude)
{
    public static readonly NamespacesSpec All = new([], []);

    /// <summary>Include wins when non-empty; then exclude (podutil.NewOptions semantics).</summary>
    public bool Allows(string @namespace) =>
        Include.Count > 0 ? Include.Contains(@namespace) : !Exclude.Contains(@namespace);
}
