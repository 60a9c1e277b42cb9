using System.Text;

namespace Rebalancer.Core.Usage;

/// <summary>
/// The bits of PromQL syntax that configured names and matchers are checked against before they go into a query, so a
/// relabelled cluster's names cannot change a query's meaning and a typo is a configuration error with its path rather
/// than a <c>bad_data</c> answer at run time.
/// </summary>
public static class PromQLText
{
    /// <summary>A metric name: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static bool IsMetricName(string name) => IsName(name, allowColon: true);

    /// <summary>A label name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsLabelName(string name) => IsName(name, allowColon: false);

    /// <summary>An HTTP header name (an RFC 9110 token).</summary>
    public static bool IsHeaderName(string name) =>
        name.Length > 0 && name.All(c => c < 128 && (char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)));

    /// <summary>
    /// Checks a comma-separated list of label matchers as written inside braces: <c>name op "value"</c> with op one of
    /// <c>=</c>, <c>!=</c>, <c>=~</c>, <c>!~</c>, values double-, single- or back-quoted. Empty is a valid (empty) list.
    /// </summary>
    public static bool TryParseMatchers(string text, out string error)
    {
        error = string.Empty;
        int i = 0;
        SkipSpace(text, ref i);
        if (i == text.Length)
        {
            return true;
        }

        while (true)
        {
            int start = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }

            if (i == start || !IsLabelName(text[start..i]))
            {
                error = $"expected a label name at position {start + 1}";
                return false;
            }

            SkipSpace(text, ref i);
            if (!(Next(text, i, "=~") || Next(text, i, "!~") || Next(text, i, "!=") || Next(text, i, "=")))
            {
                error = $"expected =, !=, =~ or !~ at position {i + 1}";
                return false;
            }

            i += text[i] == '=' && !Next(text, i, "=~") ? 1 : 2;
            SkipSpace(text, ref i);
            if (i >= text.Length || text[i] is not ('"' or '\'' or '`'))
            {
                error = $"expected a quoted value at position {i + 1}";
                return false;
            }

            char quote = text[i++];
            while (i < text.Length && text[i] != quote)
            {
                i += text[i] == '\\' && quote != '`' ? 2 : 1;
            }

            if (i >= text.Length)
            {
                error = "a quoted value is not closed";
                return false;
            }

            i++;
            SkipSpace(text, ref i);
            if (i == text.Length)
            {
                return true;
            }

            if (text[i] != ',')
            {
                error = $"expected , at position {i + 1}";
                return false;
            }

            i++;
            SkipSpace(text, ref i);
            if (i == text.Length)
            {
                return true; // a trailing comma is valid PromQL
            }
        }
    }

    /// <summary>A double-quoted PromQL string literal of <paramref name="value"/>.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }

    /// <summary><paramref name="values"/> as an anchored RE2 alternation matching exactly those strings.</summary>
    public static string Alternation(IEnumerable<string> values)
    {
        var text = new StringBuilder();
        foreach (string value in values)
        {
            if (text.Length > 0)
            {
                text.Append('|');
            }

            foreach (char c in value)
            {
                if (@"\.+*?()|[]{}^$".Contains(c, StringComparison.Ordinal))
                {
                    text.Append('\\');
                }

                text.Append(c);
            }
        }

        return text.ToString();
    }

    private static bool IsName(string name, bool allowColon)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':')))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Next(string text, int i, string token) => string.CompareOrdinal(text, i, token, 0, token.Length) == 0;

    private static void SkipSpace(string text, ref int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }
    }
}
