using System.Text;
using System.Text.Json;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>A field selector (<c>apimachinery pkg/fields/selector.go</c>): terms ANDed with <c>,</c>; operators <c>=</c>, <c>==</c>,
/// <c>!=</c>; <c>\</c> escapes <c>\ , =</c> in values.</summary>
internal sealed class FieldSelector
{
    private readonly List<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string, bool, string)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEverything => _terms.Count == 0;

    public IEnumerable<string> Fields => _terms.Select(t => t.Field);

    /// <summary>The value an equality term requires for <paramref name="field"/>, if any (used to pick namespace/name fast paths).</summary>
    public string? RequiredValue(string field) => _terms.FirstOrDefault(t => t.Field == field && t.Equal).Value;

    /// <summary>Throws <see cref="FormatException"/> when malformed.</summary>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Everything;
        }

        var terms = new List<(string, bool, string)>();
        foreach (string part in SplitTerms(text))
        {
            if (part.Length == 0)
            {
                continue;
            }

            int notEquals = IndexOfUnescaped(part, "!=");
            int doubleEquals = IndexOfUnescaped(part, "==");
            int equals = IndexOfUnescaped(part, "=");
            (int at, int length, bool equal) = notEquals >= 0 && (equals < 0 || notEquals < equals) ? (notEquals, 2, false)
                : doubleEquals >= 0 && doubleEquals == equals ? (doubleEquals, 2, true)
                : equals >= 0 ? (equals, 1, true)
                : throw new FormatException($"invalid selector: '{text}'; can't understand '{part}'");
            string field = part[..at].Trim();
            string value = Unescape(part[(at + length)..], text);
            terms.Add((field, equal, value));
        }

        return new FieldSelector(terms);
    }

    /// <summary>The first field label the resource does not support, or null.</summary>
    public string? UnsupportedField(ResourceType type, JsonElement sample) =>
        _terms.Select(t => t.Field).FirstOrDefault(f => type.FieldValue(sample, f) is null);

    public bool Matches(ResourceType type, JsonElement obj)
    {
        foreach (var (field, equal, value) in _terms)
        {
            string actual = type.FieldValue(obj, field) ?? "";
            if ((actual == value) != equal)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<string> SplitTerms(string text)
    {
        var current = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (c == ',')
            {
                yield return current.ToString();
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        yield return current.ToString();
    }

    private static int IndexOfUnescaped(string text, string op)
    {
        for (int i = 0; i + op.Length <= text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
                continue;
            }

            if (string.CompareOrdinal(text, i, op, 0, op.Length) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static string Unescape(string value, string whole)
    {
        var result = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\')
            {
                if (i + 1 >= value.Length || "\\,=".IndexOf(value[i + 1], StringComparison.Ordinal) < 0)
                {
                    throw new FormatException($"invalid selector: '{whole}'; invalid escape sequence");
                }

                result.Append(value[++i]);
            }
            else if (c is '=' or ',')
            {
                throw new FormatException($"invalid selector: '{whole}'; unescaped '{c}' in value");
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
