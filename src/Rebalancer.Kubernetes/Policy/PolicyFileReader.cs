using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Rebalancer.Core.Policy;
using Rebalancer.Kubernetes.Snapshots.Compact;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Rebalancer.Kubernetes.Policy;

/// <summary>
/// Reads a descheduler policy file (YAML, or JSON, which is YAML) into a <see cref="PolicyNode"/> tree whose nodes know
/// their paths (<c>profiles[0].pluginConfig[1].args.thresholds.cpu</c>), and loads it into a
/// <see cref="DeschedulerPolicy"/> with <see cref="PolicyBinder"/>.
/// </summary>
/// <remarks>
/// The tree is built from the YAML event stream rather than a deserializer because binding needs what a deserializer
/// throws away: key order, whether a scalar was quoted (<c>"1"</c> is a string, not an integer) and where each value
/// is. Scalars are otherwise kept as text; the binder decides what a value means from where it is.
/// <list type="bullet">
/// <item><c>null</c>, <c>Null</c>, <c>NULL</c>, <c>~</c>, an empty value and <c>!!null</c> become Null nodes (YAML's
/// core schema), which binders treat as absent, like Go's JSON decoder does with null.</item>
/// <item>Anchors, aliases and merge keys (<c>&lt;&lt;: *base</c>) work as in the descheduler's YAML library; an alias
/// is copied with the paths of the place it is used, so a problem points at the place that uses it.</item>
/// <item>A key given twice in one mapping is a problem (the first value is kept): which one wins differs between
/// YAML libraries, so the file means different things to different tools.</item>
/// <item>Tags other than YAML's own (<c>!!str</c>, <c>!!int</c>, <c>!!float</c>, <c>!!bool</c>, <c>!!null</c>,
/// <c>!!seq</c>, <c>!!map</c>) are problems at their path: the descheduler's library would reject <c>!custom 2</c>,
/// so reading it as 2 would make the file mean different things to different tools. A standard tag must fit its node
/// (<c>!!int abc</c> is a problem).</item>
/// <item>A syntax error, an alias to an unknown anchor, a document that holds more than <see cref="MaxNodes"/> nodes,
/// expands past <see cref="MaxAliasNodes"/> nodes through aliases, or nests deeper than <see cref="MaxDepth"/> levels
/// stop reading with a <see cref="ConfigException"/> that names the file, the line and the column.</item>
/// <item>Memory is bounded before YAML is parsed: a file larger than <see cref="MaxFileBytes"/> is refused unread, a
/// scalar longer than <see cref="MaxScalarLength"/> is a problem. The text must be UTF-8 (or UTF-16/32 with a byte
/// order mark); invalid bytes are an error, not replacement characters.</item>
/// </list>
/// </remarks>
public static partial class PolicyFileReader
{
    /// <summary>The path that means "read the policy from standard input".</summary>
    public const string StdinPath = "-";

    /// <summary>How standard input is named in problems.</summary>
    public const string StdinSource = "<stdin>";

    /// <summary>
    /// The largest policy file, in bytes: a policy excluding 200,000 namespaces by name is ~5 MiB; a ConfigMap (where
    /// a policy lives in a cluster) holds at most 1 MiB.
    /// </summary>
    public const int MaxFileBytes = 8 << 20;

    /// <summary>The most values (scalars, lists, mappings) a document may hold as written.</summary>
    public const int MaxNodes = 500_000;

    /// <summary>
    /// The most values aliases may add by expansion: a few aliases can make a small file enormous ("billion laughs"),
    /// while real policies use a handful of small anchors.
    /// </summary>
    public const int MaxAliasNodes = 100_000;

    /// <summary>The longest scalar, in characters; no policy value (names, durations, selectors) comes near it.</summary>
    public const int MaxScalarLength = 64 * 1024;

    /// <summary>Deeper documents are refused before the recursive builder can exhaust the stack.</summary>
    public const int MaxDepth = 100;

    private const string YamlTagPrefix = "tag:yaml.org,2002:";

    /// <summary>Reads, binds and validates a policy file (<see cref="StdinPath"/> for standard input).</summary>
    /// <exception cref="ConfigException">The file cannot be read, is not YAML, or has problems; all of them are listed.</exception>
    public static DeschedulerPolicy Load(string path) => Load(path, Console.In);

    /// <summary>Reads, binds and validates a policy given as text; <paramref name="source"/> names it in problems.</summary>
    /// <exception cref="ConfigException">The text is not YAML or has problems; all of them are listed.</exception>
    public static DeschedulerPolicy LoadFromText(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        if (yaml.Length > MaxFileBytes)
        {
            throw TooLarge(source);
        }

        var problems = new ConfigProblems();
        PolicyNode root = Parse(yaml, source, problems);
        return Bind(root, source, problems);
    }

    /// <summary>
    /// A policy file's text, read with a bound: at most <see cref="MaxFileBytes"/> bytes are read, and the text must be
    /// UTF-8 (or UTF-16/32 with a byte order mark), so a huge or binary file is refused before any YAML is parsed.
    /// </summary>
    /// <exception cref="ConfigException">The file is too large or not text.</exception>
    /// <exception cref="IOException">The file cannot be read (as <see cref="File.ReadAllText(string)"/> throws).</exception>
    public static string ReadText(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        return ReadText(file, path);
    }

    /// <summary>As <see cref="ReadText(string)"/>, from a stream (standard input); <paramref name="source"/> names it.</summary>
    /// <exception cref="ConfigException">The text is too large or not text.</exception>
    public static string ReadText(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > MaxFileBytes)
                    {
                        throw TooLarge(source);
                    }

                    byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxFileBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = stream.Read(buffer, length, Math.Min(buffer.Length, MaxFileBytes + 1) - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > MaxFileBytes)
                {
                    throw TooLarge(source);
                }
            }

            return Decode(buffer.AsSpan(0, length), source);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a policy file (<see cref="StdinPath"/> for standard input) into a tree; problems such as duplicate keys go to <paramref name="problems"/>.</summary>
    /// <exception cref="ConfigException">The file cannot be read or is not YAML.</exception>
    public static PolicyNode ReadFile(string path, ConfigProblems problems) => ReadFile(path, Console.In, problems);

    /// <summary>Parses YAML or JSON text into a tree; <paramref name="source"/> names the text in exceptions.</summary>
    /// <exception cref="ConfigException">The text is not YAML.</exception>
    public static PolicyNode Parse(string text, string source, ConfigProblems problems)
    {
        using var reader = new StringReader(text);
        return Read(reader, source, problems);
    }

    /// <summary>Parses YAML or JSON from <paramref name="reader"/> into a tree.</summary>
    /// <exception cref="ConfigException">The text is not YAML.</exception>
    public static PolicyNode Read(TextReader reader, string source, ConfigProblems problems)
    {
        var parser = new Parser(reader);
        try
        {
            return new TreeBuilder(parser, source, problems).ReadStream();
        }
        catch (YamlException e)
        {
            throw new ConfigException(source, [new ConfigProblem(string.Empty, $"YAML syntax error at {Where(e.Start)}: {StripMarks(e.Message)}")]);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way, without a position, on some malformed input (e.g. a flow list
            // that is never closed); the end of the last event read is the closest known place.
            Mark near = parser.Current?.End ?? Mark.Empty;
            throw new ConfigException(source, [new ConfigProblem(string.Empty, $"YAML syntax error after {Where(near)}: the document is malformed (an unclosed [ or {{, or a stray quote?)")]);
        }
    }

    internal static DeschedulerPolicy Load(string path, TextReader stdin)
    {
        var problems = new ConfigProblems();
        PolicyNode root = ReadFile(path, stdin, problems);
        return Bind(root, path == StdinPath ? StdinSource : path, problems);
    }

    internal static PolicyNode ReadFile(string path, TextReader stdin, ConfigProblems problems)
    {
        if (path == StdinPath)
        {
            return Parse(ReadBounded(stdin, StdinSource), StdinSource, problems);
        }

        string text;
        try
        {
            text = ReadText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new ConfigException(path, [new ConfigProblem(string.Empty, $"cannot read the policy file: {e.Message}")]);
        }

        return Parse(text, path, problems);
    }

    /// <summary>Text already decoded (a console's standard input), read up to the same bound in characters.</summary>
    private static string ReadBounded(TextReader reader, string source)
    {
        var text = new StringBuilder();
        char[] chunk = new char[16 * 1024];
        int read;
        while ((read = reader.Read(chunk, 0, chunk.Length)) > 0)
        {
            text.Append(chunk, 0, read);
            if (text.Length > MaxFileBytes)
            {
                throw TooLarge(source);
            }
        }

        return text.ToString();
    }

    private static ConfigException TooLarge(string source) => new(source,
        [new ConfigProblem(string.Empty, $"the policy is larger than {MaxFileBytes >> 20} MiB; a policy file is at most {MaxFileBytes} bytes (a policy in a ConfigMap at most 1 MiB)")]);

    /// <summary>Decodes as File.ReadAllText does (a byte order mark picks UTF-16/32, otherwise UTF-8), but strictly.</summary>
    private static string Decode(ReadOnlySpan<byte> bytes, string source)
    {
        // A snapshot given as the policy is the usual way to get binary here: say what the file is, not which byte is
        // not UTF-8 (gzip starts 1F 8B, a compact snapshot with its magic).
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]) || bytes.StartsWith(CompactFormat.Magic))
        {
            string what = bytes[0] == 0x1F ? "gzip-compressed (a compressed snapshot?)" : "a compact snapshot";
            throw new ConfigException(source, [new ConfigProblem(string.Empty,
                $"the file is {what}, not a {DeschedulerPolicy.Kind} ({DeschedulerPolicy.ApiVersion}); a snapshot is given with --snapshot, a DeschedulerPolicy with --policy")]);
        }

        (Encoding encoding, int bom) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => ((Encoding)StrictUtf8, 3),
            [0xFF, 0xFE, 0, 0, ..] => (new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true), 4),
            [0, 0, 0xFE, 0xFF, ..] => (new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true), 4),
            [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
            [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
            _ => (StrictUtf8, 0),
        };
        try
        {
            return encoding.GetString(bytes[bom..]);
        }
        catch (DecoderFallbackException e)
        {
            string where = e.Index >= 0 ? $" at byte {(bom + e.Index).ToString(CultureInfo.InvariantCulture)}" : string.Empty;
            throw new ConfigException(source, [new ConfigProblem(string.Empty, $"the policy is not valid {encoding.WebName} text{where}; save it as UTF-8")]);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static DeschedulerPolicy Bind(PolicyNode root, string source, ConfigProblems problems)
    {
        DeschedulerPolicy policy = PolicyBinder.Bind(root, problems);
        if (problems.Any)
        {
            throw new ConfigException(source, problems.All);
        }

        return policy;
    }

    private static string Where(Mark mark) => $"line {mark.Line}, column {mark.Column}";

    /// <summary>YamlDotNet prefixes its messages with both marks; the problem already says where, once.</summary>
    private static string StripMarks(string message) => MarksPrefix().Replace(message, string.Empty);

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarksPrefix();

    // YAML 1.2 core schema (yaml.org/spec/1.2.2/#1032-tag-resolution).
    [GeneratedRegex(@"^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")]
    private static partial Regex CoreInt();

    [GeneratedRegex(@"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex CoreFloat();

    /// <summary>Builds the tree from the parser's events; one instance per document stream.</summary>
    private sealed class TreeBuilder
    {
        private readonly IParser _parser;
        private readonly string _source;
        private readonly ConfigProblems _problems;
        private readonly Dictionary<string, PolicyNode> _anchors = new(StringComparer.Ordinal);
        private int _nodes;
        private int _copies;

        public TreeBuilder(IParser parser, string source, ConfigProblems problems)
        {
            _parser = parser;
            _source = source;
            _problems = problems;
        }

        public PolicyNode ReadStream()
        {
            _parser.Consume<StreamStart>();
            if (_parser.TryConsume<StreamEnd>(out _))
            {
                // An empty file (or only comments): the binder says what it expected.
                return PolicyNode.Null(string.Empty);
            }

            _parser.Consume<DocumentStart>();
            PolicyNode root = ReadNode(string.Empty, 0);
            _parser.Consume<DocumentEnd>();
            if (_parser.Current is DocumentStart next)
            {
                // The descheduler's decoder would read only the first document and drop the rest without a word.
                _problems.Add(string.Empty, $"a second YAML document starts at {Where(next.Start)}; a policy file must hold exactly one document");
            }

            return root;
        }

        private PolicyNode ReadNode(string path, int depth)
        {
            ParsingEvent current = _parser.Current ?? throw Fatal(Mark.Empty, "unexpected end of the document");
            if (depth > MaxDepth)
            {
                throw Fatal(current.Start, $"the document nests deeper than {MaxDepth} levels");
            }

            switch (current)
            {
                case AnchorAlias alias:
                    _parser.MoveNext();
                    if (!_anchors.TryGetValue(alias.Value.Value, out PolicyNode? target))
                    {
                        throw Fatal(alias.Start, $"alias *{alias.Value.Value} refers to no anchor defined before it");
                    }

                    return Copy(target, path, alias.Start);

                case Scalar scalar:
                    _parser.MoveNext();
                    Count(scalar.Start);
                    if (scalar.Value.Length > MaxScalarLength)
                    {
                        _problems.Add(path, $"a value of {scalar.Value.Length} characters at {Where(scalar.Start)}; policy values are at most {MaxScalarLength}");
                        return Remember(scalar.Anchor, PolicyNode.Null(path));
                    }

                    return Remember(scalar.Anchor, ToNode(scalar, path));

                case SequenceStart sequence:
                {
                    _parser.MoveNext();
                    Count(sequence.Start);
                    CheckTag(sequence.Tag, "seq", path, sequence.Start);
                    var items = new List<PolicyNode>();
                    while (!_parser.TryConsume<SequenceEnd>(out _))
                    {
                        items.Add(ReadNode(PolicyNode.ItemPath(path, items.Count), depth + 1));
                    }

                    return Remember(sequence.Anchor, PolicyNode.FromSequence(path, items));
                }

                case MappingStart mapping:
                    _parser.MoveNext();
                    Count(mapping.Start);
                    CheckTag(mapping.Tag, "map", path, mapping.Start);
                    return Remember(mapping.Anchor, ReadMapping(path, depth));

                default:
                    throw Fatal(current.Start, $"unexpected {current.GetType().Name}");
            }
        }

        private PolicyNode ReadMapping(string path, int depth)
        {
            var entries = new List<KeyValuePair<string, PolicyNode>>();
            var firstLines = new Dictionary<string, Mark>(StringComparer.Ordinal);
            var merges = new List<PolicyNode>();
            while (!_parser.TryConsume<MappingEnd>(out _))
            {
                Mark keyMark = _parser.Current!.Start;
                bool mergeKey = _parser.Current is Scalar { Value: "<<", Style: ScalarStyle.Plain };
                PolicyNode keyNode = ReadNode(PolicyNode.ChildPath(path, "<key>"), depth + 1);
                if (mergeKey)
                {
                    merges.AddRange(MergeSources(ReadNode(path, depth + 1), keyMark));
                    continue;
                }

                string? key = keyNode.Kind switch
                {
                    PolicyNodeKind.Scalar => keyNode.Scalar,
                    PolicyNodeKind.Null => string.Empty,
                    _ => null,
                };
                string childPath = PolicyNode.ChildPath(path, key ?? "<key>");
                PolicyNode value = ReadNode(childPath, depth + 1);
                if (key is null)
                {
                    _problems.Add(path, $"the key at {Where(keyMark)} is a {(keyNode.Kind == PolicyNodeKind.Mapping ? "mapping" : "list")}; keys must be strings");
                }
                else if (firstLines.TryGetValue(key, out Mark first))
                {
                    _problems.Add(childPath, $"duplicate key '{key}' at {Where(keyMark)} (first at line {first.Line}); the first value is used");
                }
                else
                {
                    firstLines[key] = keyMark;
                    entries.Add(new KeyValuePair<string, PolicyNode>(key, value));
                }
            }

            // YAML merge keys: explicit keys win, then earlier merge sources over later ones.
            foreach (PolicyNode source in merges)
            {
                foreach ((string key, PolicyNode value) in source.Entries)
                {
                    if (firstLines.TryAdd(key, Mark.Empty))
                    {
                        entries.Add(new KeyValuePair<string, PolicyNode>(key, Copy(value, PolicyNode.ChildPath(path, key), Mark.Empty)));
                    }
                }
            }

            return PolicyNode.FromMapping(path, entries);
        }

        private IEnumerable<PolicyNode> MergeSources(PolicyNode value, Mark mark)
        {
            if (value.Kind == PolicyNodeKind.Mapping)
            {
                return [value];
            }

            if (value.Kind == PolicyNodeKind.Sequence && value.Items.All(i => i.Kind == PolicyNodeKind.Mapping))
            {
                return value.Items;
            }

            _problems.Add(value.Path, $"the merge key '<<' at {Where(mark)} needs a mapping or a list of mappings");
            return [];
        }

        private PolicyNode ToNode(Scalar scalar, string path)
        {
            string? tag = CheckTag(scalar.Tag, "scalar", path, scalar.Start);
            if (tag == "null")
            {
                return PolicyNode.Null(path);
            }

            if (tag is "int" or "float" or "bool" && !FitsTag(tag, scalar.Value))
            {
                _problems.Add(path, $"'{scalar.Value}' at {Where(scalar.Start)} is not a !!{tag}");
            }

            // "!!str" and "!" and any non-plain style make the value a string as written; !!int, !!float and !!bool
            // leave it plain, for the binder to read as the field's type.
            bool quoted = scalar.Style != ScalarStyle.Plain || tag is "str" or "!";
            if (!quoted && scalar.Value is "" or "~" or "null" or "Null" or "NULL")
            {
                return PolicyNode.Null(path);
            }

            return PolicyNode.FromScalar(path, scalar.Value, quoted);
        }

        /// <summary>
        /// The short name of a standard tag (<c>str</c>, <c>int</c>… or <c>!</c> for the non-specific tag), null when the
        /// node has no tag. Any other tag, or a standard one on the wrong kind of node, is a problem at the node's path.
        /// </summary>
        private string? CheckTag(TagName tag, string kind, string path, Mark mark)
        {
            if (tag.IsEmpty)
            {
                return null;
            }

            string name = tag.Value switch
            {
                "!" => "!",
                var full when full.StartsWith(YamlTagPrefix, StringComparison.Ordinal) => full[YamlTagPrefix.Length..],
                var shorthand when shorthand.StartsWith("!!", StringComparison.Ordinal) => shorthand[2..],
                var other => other,
            };
            bool fits = kind switch
            {
                "seq" => name is "seq" or "!",
                "map" => name is "map" or "!",
                _ => name is "str" or "null" or "int" or "float" or "bool" or "!",
            };
            if (!fits)
            {
                bool standard = name is "str" or "null" or "int" or "float" or "bool" or "seq" or "map";
                _problems.Add(path, standard
                    ? $"the tag !!{name} at {Where(mark)} does not fit a {(kind == "scalar" ? "scalar" : kind == "seq" ? "list" : "mapping")}"
                    : $"unknown YAML tag '{tag.Value}' at {Where(mark)}; a policy uses only YAML's own tags (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map)");
            }

            return name;
        }

        /// <summary>Whether a scalar reads as YAML 1.2's core schema says a value of this tag is written.</summary>
        private static bool FitsTag(string tag, string value) => tag switch
        {
            "int" => CoreInt().IsMatch(value),
            "float" => CoreFloat().IsMatch(value),
            _ => value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE",
        };

        private PolicyNode Remember(AnchorName anchor, PolicyNode node)
        {
            if (!anchor.IsEmpty)
            {
                // A later anchor with the same name replaces the earlier one, as YAML specifies.
                _anchors[anchor.Value] = node;
            }

            return node;
        }

        /// <summary>A copy of an anchored node at a new path; counts every node copied so alias bombs stop early.</summary>
        private PolicyNode Copy(PolicyNode node, string path, Mark mark)
        {
            if (++_copies > MaxAliasNodes)
            {
                throw Fatal(mark, $"aliases expand the document by more than {MaxAliasNodes} values (an alias bomb?); a policy's anchors are far smaller");
            }

            switch (node.Kind)
            {
                case PolicyNodeKind.Null:
                    return PolicyNode.Null(path);
                case PolicyNodeKind.Scalar:
                    return PolicyNode.FromScalar(path, node.Scalar!, node.IsQuoted);
                case PolicyNodeKind.Sequence:
                {
                    var items = new List<PolicyNode>(node.Items.Count);
                    foreach (PolicyNode item in node.Items)
                    {
                        items.Add(Copy(item, PolicyNode.ItemPath(path, items.Count), mark));
                    }

                    return PolicyNode.FromSequence(path, items);
                }

                default:
                {
                    var entries = new List<KeyValuePair<string, PolicyNode>>(node.Entries.Count);
                    foreach ((string key, PolicyNode value) in node.Entries)
                    {
                        entries.Add(new KeyValuePair<string, PolicyNode>(key, Copy(value, PolicyNode.ChildPath(path, key), mark)));
                    }

                    return PolicyNode.FromMapping(path, entries);
                }
            }
        }

        private void Count(Mark mark)
        {
            if (++_nodes > MaxNodes)
            {
                throw Fatal(mark, $"the document holds more than {MaxNodes} values; a policy is far smaller");
            }
        }

        private ConfigException Fatal(Mark mark, string message) =>
            new(_source, [new ConfigProblem(string.Empty, mark.Equals(Mark.Empty) ? message : $"{message} (at {Where(mark)})")]);
    }
}
