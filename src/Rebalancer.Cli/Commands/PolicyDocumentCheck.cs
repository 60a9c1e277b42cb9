using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Rebalancer.Core.Policy;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// Recognises a file given as <c>--policy</c> that is plainly something else, before the policy reader parses it: a
/// snapshot (kubectl's JSON or YAML) or another Kubernetes object. Parsing a
/// 4 MB cluster dump as a policy ends in a size guard or a page of unknown fields; one line saying what the file is and
/// which option takes it is what the user needs. Only the top-level <c>apiVersion</c>/<c>kind</c> and the first bytes
/// are looked at; anything not recognised here is left to the reader and the binder, which report it with its path.
/// </summary>
internal static partial class PolicyDocumentCheck
{
    /// <exception cref="ConfigException">The text is recognisably not a DeschedulerPolicy.</exception>
    public static void ThrowIfNotAPolicy(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Describe(text) is string what)
        {
            throw new ConfigException(source, [new ConfigProblem(string.Empty, what)]);
        }
    }

    /// <summary>What the text is and what to do, when it is recognisably not a policy; null otherwise.</summary>
    internal static string? Describe(string text)
    {
        const string Snapshot = "a snapshot is given with --snapshot, a DeschedulerPolicy with --policy";
        string policy = $"not a {DeschedulerPolicy.Kind} ({DeschedulerPolicy.ApiVersion})";

        // Binary files (gzip, compact snapshots) are recognised by PolicyFileReader.ReadText before any text exists.
        (string? apiVersion, string? kind, bool items) = text.AsSpan().TrimStart().StartsWith("{") ? JsonTypeMeta(text) : YamlTypeMeta(text);

        // A policy with a wrong kind or version (descheduler/v1alpha1…) is the binder's to explain, with its other problems.
        if (kind == DeschedulerPolicy.Kind || apiVersion?.StartsWith("descheduler/", StringComparison.Ordinal) == true || (kind is null && !items))
        {
            return null;
        }

        string version = apiVersion is null ? string.Empty : $" (apiVersion {apiVersion})";
        if (kind is null || kind.EndsWith("List", StringComparison.Ordinal))
        {
            return $"the file is a Kubernetes {kind ?? "list of objects"}{version}: a snapshot, {policy}; {Snapshot}";
        }

        return kind == "ConfigMap"
            ? $"the file is a Kubernetes ConfigMap{version}, {policy}; give the policy it holds (its data value) with --policy"
            : $"the file is a Kubernetes {kind}{version}, {policy}";
    }

    /// <summary>The first JSON document's top-level apiVersion and kind, and whether it has items; skips everything else.</summary>
    private static (string? ApiVersion, string? Kind, bool Items) JsonTypeMeta(string text)
    {
        string? apiVersion = null;
        string? kind = null;
        bool items = false;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null, false);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (name is "apiVersion" or "kind" && reader.TokenType == JsonTokenType.String)
                {
                    (apiVersion, kind) = name == "kind" ? (apiVersion, reader.GetString()) : (reader.GetString(), kind);
                }
                else
                {
                    items |= name == "items" && reader.TokenType == JsonTokenType.StartArray;
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON (or YAML that starts with '{'): the policy reader reports where.
            return (null, null, false);
        }

        return (apiVersion, kind, items);
    }

    /// <summary>The first top-level <c>apiVersion:</c> and <c>kind:</c> lines of a YAML document, and an <c>items:</c> key.</summary>
    private static (string? ApiVersion, string? Kind, bool Items) YamlTypeMeta(string text)
    {
        Match kind = YamlKind().Match(text);
        Match apiVersion = YamlApiVersion().Match(text);
        return (apiVersion.Success ? apiVersion.Groups[1].Value : null, kind.Success ? kind.Groups[1].Value : null, YamlItems().IsMatch(text));
    }

    [GeneratedRegex(@"^kind:[ \t]*[""']?([A-Za-z0-9]+)[""']?[ \t]*(#.*)?\r?$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex YamlKind();

    [GeneratedRegex(@"^apiVersion:[ \t]*[""']?([A-Za-z0-9./-]+)[""']?[ \t]*(#.*)?\r?$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex YamlApiVersion();

    [GeneratedRegex(@"^items:", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex YamlItems();
}
