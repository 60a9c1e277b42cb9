using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>A label selector with apimachinery's semantics (<c>pkg/labels/selector.go</c>): requirements ANDed;
/// <c>!=</c> and <c>notin</c> match objects that lack the key.</summary>
internal sealed partial class LabelSelector
{
    private readonly List<Requirement> _requirements;
    private readonly bool _nothing;

    private LabelSelector(List<Requirement> requirements, bool nothing)
    {
        _requirements = requirements;
        _nothing = nothing;
    }

    public static LabelSelector Everything { get; } = new([], nothing: false);
    public static LabelSelector Nothing { get; } = new([], nothing: true);

    public bool IsEverything => !_nothing && _requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (_nothing)
        {
            return false;
        }

        foreach (var requirement in _requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    private enum Op
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
        GreaterThan,
        LessThan,
    }

    private sealed record Requirement(string Key, Op Operator, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            bool has = labels.TryGetValue(Key, out string? value);
            switch (Operator)
            {
                case Op.Equals:
                case Op.In:
                    return has && Values.Contains(value!);
                case Op.NotEquals:
                case Op.NotIn:
                    return !has || !Values.Contains(value!);
                case Op.Exists:
                    return has;
                case Op.DoesNotExist:
                    return !has;
                case Op.GreaterThan:
                case Op.LessThan:
                    if (!has || !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long actual))
                    {
                        return false;
                    }

                    long bound = long.Parse(Values[0], CultureInfo.InvariantCulture);
                    return Operator == Op.GreaterThan ? actual > bound : actual < bound;
                default:
                    return false;
            }
        }
    }

    /// <summary>Parses the string form (<c>labelSelector=</c> query). Throws <see cref="FormatException"/> with an apiserver-like message.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var lexer = new Lexer(text);
        var requirements = new List<Requirement>();
        while (true)
        {
            var (token, literal) = lexer.Next();
            if (token == Token.End)
            {
                break;
            }

            Requirement requirement;
            if (token == Token.Not)
            {
                var (keyToken, key) = lexer.Next();
                if (keyToken != Token.Identifier)
                {
                    throw new FormatException($"unable to parse requirement: found '{key}', expected: identifier after '!'");
                }

                requirement = new Requirement(ValidateKey(key), Op.DoesNotExist, []);
            }
            else if (token == Token.Identifier)
            {
                string key = ValidateKey(literal);
                var (opToken, opLiteral) = lexer.Peek();
                if (opToken is Token.Comma or Token.End)
                {
                    requirement = new Requirement(key, Op.Exists, []);
                }
                else
                {
                    lexer.Next();
                    requirement = opToken switch
                    {
                        Token.Equals or Token.DoubleEquals => new Requirement(key, Op.Equals, [ReadValue(lexer)]),
                        Token.NotEquals => new Requirement(key, Op.NotEquals, [ReadValue(lexer)]),
                        Token.In => new Requirement(key, Op.In, ReadSet(lexer)),
                        Token.NotIn => new Requirement(key, Op.NotIn, ReadSet(lexer)),
                        Token.GreaterThan or Token.LessThan => new Requirement(key, opToken == Token.GreaterThan ? Op.GreaterThan : Op.LessThan, [ReadInteger(lexer)]),
                        _ => throw new FormatException($"unable to parse requirement: found '{opLiteral}', expected: in, notin, =, ==, !=, gt, lt"),
                    };
                }
            }
            else
            {
                throw new FormatException($"unable to parse requirement: found '{literal}', expected: !, identifier, or 'end of string'");
            }

            requirements.Add(requirement);
            var (separator, separatorLiteral) = lexer.Next();
            if (separator == Token.End)
            {
                break;
            }

            if (separator != Token.Comma)
            {
                throw new FormatException($"found '{separatorLiteral}', expected: ',' or 'end of string'");
            }
        }

        return new LabelSelector(requirements, nothing: false);
    }

    private static string ReadValue(Lexer lexer)
    {
        var (token, literal) = lexer.Peek();
        if (token is Token.Comma or Token.End)
        {
            return ""; // "key=" selects an empty value
        }

        lexer.Next();
        if (token != Token.Identifier)
        {
            throw new FormatException($"unable to parse requirement: found '{literal}', expected: identifier");
        }

        return ValidateValue(literal);
    }

    private static string ReadInteger(Lexer lexer)
    {
        string value = ReadValue(lexer);
        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            throw new FormatException($"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
        }

        return value;
    }

    private static List<string> ReadSet(Lexer lexer)
    {
        var (open, openLiteral) = lexer.Next();
        if (open != Token.OpenParen)
        {
            throw new FormatException($"unable to parse requirement: found '{openLiteral}', expected: '('");
        }

        var values = new List<string>();
        while (true)
        {
            var (token, literal) = lexer.Next();
            if (token == Token.Identifier)
            {
                values.Add(ValidateValue(literal));
                (token, literal) = lexer.Next();
            }
            else if (token is Token.Comma or Token.CloseParen)
            {
                values.Add(""); // "(a,)" or "()" carry an empty value
            }

            if (token == Token.CloseParen)
            {
                return values;
            }

            if (token != Token.Comma)
            {
                throw new FormatException($"unable to parse requirement: found '{literal}', expected: ',', ')' or identifier");
            }
        }
    }

    [GeneratedRegex(@"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")]
    private static partial Regex ValueRegex();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomainRegex();

    internal static string ValidateKey(string key)
    {
        string name = key;
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0 || prefix.Length > 253 || !DnsSubdomainRegex().IsMatch(prefix))
            {
                throw new FormatException($"unable to parse requirement: key: Invalid value: \"{key}\": prefix part must be a lowercase RFC 1123 subdomain");
            }
        }

        if (name.Length == 0 || name.Length > 63 || !ValueRegex().IsMatch(name))
        {
            throw new FormatException($"unable to parse requirement: key: Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        }

        return key;
    }

    private static string ValidateValue(string value)
    {
        if (value.Length > 63 || !ValueRegex().IsMatch(value))
        {
            throw new FormatException($"unable to parse requirement: values[0][{value}]: Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        }

        return value;
    }

    /// <summary>The structured form (<c>metav1.LabelSelector</c>) as <c>LabelSelectorAsSelector</c> converts it:
    /// null → nothing, <c>{}</c> → everything. Throws <see cref="FormatException"/> for invalid selectors.</summary>
    public static LabelSelector FromStructured(JsonElement selector)
    {
        if (selector.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return Nothing;
        }

        if (selector.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("selector is not an object");
        }

        var requirements = new List<Requirement>();
        foreach (var (key, value) in selector.At("matchLabels").StringMap())
        {
            requirements.Add(new Requirement(ValidateKey(key), Op.Equals, [ValidateValue(value)]));
        }

        foreach (var expression in selector.At("matchExpressions").Items())
        {
            string key = ValidateKey(expression.Str("key") ?? "");
            var values = expression.At("values").Items().Select(v => v.GetString() ?? "").ToList();
            string op = expression.Str("operator") ?? "";
            requirements.Add(op switch
            {
                "In" when values.Count > 0 => new Requirement(key, Op.In, values),
                "NotIn" when values.Count > 0 => new Requirement(key, Op.NotIn, values),
                "Exists" when values.Count == 0 => new Requirement(key, Op.Exists, []),
                "DoesNotExist" when values.Count == 0 => new Requirement(key, Op.DoesNotExist, []),
                "In" or "NotIn" => throw new FormatException("values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"),
                "Exists" or "DoesNotExist" => throw new FormatException("values: Invalid value: for 'exists', 'doesnotexist' operators, values set must be empty"),
                _ => throw new FormatException($"\"{op}\" is not a valid label selector operator"),
            });
        }

        return new LabelSelector(requirements, nothing: false);
    }

    public override string ToString()
    {
        if (_nothing)
        {
            return "<none>";
        }

        var text = new StringBuilder();
        foreach (var r in _requirements)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(r.Operator switch
            {
                Op.Equals => $"{r.Key}={r.Values[0]}",
                Op.NotEquals => $"{r.Key}!={r.Values[0]}",
                Op.In => $"{r.Key} in ({string.Join(',', r.Values)})",
                Op.NotIn => $"{r.Key} notin ({string.Join(',', r.Values)})",
                Op.Exists => r.Key,
                Op.DoesNotExist => "!" + r.Key,
                Op.GreaterThan => $"{r.Key}>{r.Values[0]}",
                _ => $"{r.Key}<{r.Values[0]}",
            });
        }

        return text.ToString();
    }

    private enum Token
    {
        End,
        Identifier,
        Comma,
        Not,
        Equals,
        DoubleEquals,
        NotEquals,
        In,
        NotIn,
        OpenParen,
        CloseParen,
        GreaterThan,
        LessThan,
    }

    private sealed class Lexer(string text)
    {
        private int _position;
        private (Token, string)? _peeked;

        public (Token Token, string Literal) Peek() => _peeked ??= Scan();

        public (Token Token, string Literal) Next()
        {
            var token = Peek();
            _peeked = null;
            return token;
        }

        private (Token, string) Scan()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }

            if (_position >= text.Length)
            {
                return (Token.End, "");
            }

            char c = text[_position];
            switch (c)
            {
                case ',': _position++; return (Token.Comma, ",");
                case '(': _position++; return (Token.OpenParen, "(");
                case ')': _position++; return (Token.CloseParen, ")");
                case '>': _position++; return (Token.GreaterThan, ">");
                case '<': _position++; return (Token.LessThan, "<");
                case '!':
                    _position++;
                    if (_position < text.Length && text[_position] == '=')
                    {
                        _position++;
                        return (Token.NotEquals, "!=");
                    }

                    return (Token.Not, "!");
                case '=':
                    _position++;
                    if (_position < text.Length && text[_position] == '=')
                    {
                        _position++;
                        return (Token.DoubleEquals, "==");
                    }

                    return (Token.Equals, "=");
            }

            int start = _position;
            while (_position < text.Length && !char.IsWhiteSpace(text[_position]) && ",()!=<>".IndexOf(text[_position], StringComparison.Ordinal) < 0)
            {
                _position++;
            }

            string word = text[start.._position];
            return word switch
            {
                "in" => (Token.In, word),
                "notin" => (Token.NotIn, word),
                _ => (Token.Identifier, word),
            };
        }
    }
}
