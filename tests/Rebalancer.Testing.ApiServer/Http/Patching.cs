using System.Globalization;
using System.Text.Json.Nodes;

namespace Rebalancer.Testing.ApiServer.Http;

/// <summary>PATCH bodies: JSON merge patch (RFC 7386), strategic merge patch (approximated as a merge patch that ignores
/// <c>$</c> directives; lists are replaced rather than merged by key) and JSON patch (RFC 6902).</summary>
internal static class Patching
{
    public const string Merge = "application/merge-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";

    public static string? Kind(string? contentType)
    {
        string mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return mediaType is Merge or Strategic or JsonPatch ? mediaType : null;
    }

    /// <summary>Applies a patch to <paramref name="target"/> in place. Throws <see cref="FormatException"/> for bad patches.</summary>
    public static void Apply(string kind, JsonObject target, JsonNode patch)
    {
        if (kind == JsonPatch)
        {
            ApplyJsonPatch(target, patch as JsonArray ?? throw new FormatException("a JSON patch must be an array of operations"));
            return;
        }

        if (patch is not JsonObject patchObject)
        {
            throw new FormatException("a merge patch must be a JSON object");
        }

        MergeInto(target, patchObject, strategic: kind == Strategic);
    }

    private static void MergeInto(JsonObject target, JsonObject patch, bool strategic)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (strategic && key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchChild)
            {
                if (strategic && patchChild["$patch"]?.GetValue<string>() == "delete")
                {
                    target.Remove(key);
                    continue;
                }

                if (target[key] is not JsonObject targetChild)
                {
                    targetChild = new JsonObject();
                    target[key] = targetChild;
                }

                MergeInto(targetChild, patchChild, strategic);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private static void ApplyJsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op)
            {
                throw new FormatException("a JSON patch operation must be an object");
            }

            string name = op["op"]?.GetValue<string>() ?? throw new FormatException("JSON patch operation without 'op'");
            string path = op["path"]?.GetValue<string>() ?? throw new FormatException("JSON patch operation without 'path'");
            switch (name)
            {
                case "add":
                    Set(target, path, op["value"]?.DeepClone(), insert: true);
                    break;
                case "replace":
                    _ = Resolve(target, path) ?? throw new FormatException($"replace operation does not apply: doc is missing path: {path}");
                    Set(target, path, op["value"]?.DeepClone(), insert: false);
                    break;
                case "remove":
                    Remove(target, path);
                    break;
                case "test":
                    var actual = Resolve(target, path);
                    if (!JsonNode.DeepEquals(actual, op["value"]))
                    {
                        throw new FormatException($"testing value {path} failed: test failed");
                    }

                    break;
                case "copy":
                case "move":
                    string from = op["from"]?.GetValue<string>() ?? throw new FormatException($"{name} operation without 'from'");
                    var value = Resolve(target, from)?.DeepClone() ?? throw new FormatException($"{name} operation does not apply: doc is missing from path: {from}");
                    if (name == "move")
                    {
                        Remove(target, from);
                    }

                    Set(target, path, value, insert: true);
                    break;
                default:
                    throw new FormatException($"Unexpected kind: {name}");
            }
        }
    }

    private static List<string> Pointer(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw new FormatException($"invalid JSON pointer: {path}");
        }

        return path[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Resolve(JsonNode root, string path)
    {
        JsonNode? current = root;
        foreach (string part in Pointer(path))
        {
            current = current switch
            {
                JsonObject obj => obj[part],
                JsonArray array when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < array.Count => array[i],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode root, string path)
    {
        var parts = Pointer(path);
        if (parts.Count == 0)
        {
            throw new FormatException("cannot patch the document root");
        }

        string parentPath = parts.Count == 1 ? "" : "/" + string.Join('/', parts.Take(parts.Count - 1).Select(p => p.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        var parent = Resolve(root, parentPath) ?? throw new FormatException($"doc is missing path: {path}");
        return (parent, parts[^1]);
    }

    private static void Set(JsonNode root, string path, JsonNode? value, bool insert)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index <= array.Count:
                if (insert)
                {
                    array.Insert(index, value);
                }
                else
                {
                    array[index] = value;
                }

                break;
            default:
                throw new FormatException($"doc is missing path: {path}");
        }
    }

    private static void Remove(JsonNode root, string path)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj.Remove(last);
                break;
            case JsonArray array when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < array.Count:
                array.RemoveAt(index);
                break;
            default:
                throw new FormatException($"remove operation does not apply: doc is missing path: {path}");
        }
    }
}
