using Rebalancer.Core.Model;

namespace Rebalancer.Core.Policy;

/// <summary>
/// A label selector as written in configuration (strings), compiled against a snapshot's string table when planning.
/// Accepts the structured form (matchLabels / matchExpressions) and the string form (<c>a=b,c!=d,e in (f,g),!h</c>).
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
                return ValidKey(key, out error);
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
                return ValidKey(key, out error);
            }
        }

        requirement = new SelectorRequirementSpec(part, SelectorOperator.Exists, []);
        return ValidKey(part, out error);
    }

    private static bool ValidKey(string key, out string error)
    {
        error = key.Length == 0 || key.Contains(' ', StringComparison.Ordinal) ? $"'{key}' is not a valid label key" : string.Empty;
        return error.Length == 0;
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
