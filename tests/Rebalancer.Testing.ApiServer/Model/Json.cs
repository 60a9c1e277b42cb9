using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>Small helpers over System.Text.Json for Kubernetes-shaped documents.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>Walks a dotted path of object properties; returns default when any step is missing or not an object.</summary>
    public static JsonElement At(this JsonElement element, params ReadOnlySpan<string> path)
    {
        var current = element;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out var next))
            {
                return default;
            }

            current = next;
        }

        return current;
    }

    public static string? Str(this JsonElement element, params ReadOnlySpan<string> path)
    {
        var value = element.At(path);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    public static long? Long(this JsonElement element, params ReadOnlySpan<string> path)
    {
        var value = element.At(path);
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
        {
            return number;
        }

        return null;
    }

    public static bool Bool(this JsonElement element, params ReadOnlySpan<string> path) =>
        element.At(path).ValueKind == JsonValueKind.True;

    public static bool IsObject(this JsonElement element) => element.ValueKind == JsonValueKind.Object;

    public static bool IsArray(this JsonElement element) => element.ValueKind == JsonValueKind.Array;

    public static IEnumerable<JsonElement> Items(this JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : [];

    public static Dictionary<string, string> StringMap(this JsonElement element)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                map[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() ?? "" : property.Value.GetRawText();
            }
        }

        return map;
    }

    /// <summary>A standalone (document-free) element for a node.</summary>
    public static JsonElement ToElement(JsonNode node) => JsonSerializer.SerializeToElement(node, Compact);

    public static JsonObject ToNode(JsonElement element) =>
        JsonNode.Parse(element.GetRawText()) as JsonObject ?? throw new InvalidOperationException("not a JSON object");

    public static JsonObject EnsureObject(this JsonObject parent, string name)
    {
        if (parent[name] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    public static long? AsLong(this JsonNode? node)
    {
        if (node is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue(out long l))
        {
            return l;
        }

        if (value.TryGetValue(out int i))
        {
            return i;
        }

        return long.TryParse(value.ToJsonString().Trim('"'), NumberStyles.Integer, CultureInfo.InvariantCulture, out l) ? l : null;
    }

    public static string? GetString(this JsonNode? node, string name) =>
        node is JsonObject obj && obj[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    public static byte[] Serialize(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false }))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes an object, leaving out two top-level properties (list items carry no kind/apiVersion).</summary>
    public static void WriteObjectWithout(Utf8JsonWriter writer, JsonElement element, string skip1, string skip2)
    {
        writer.WriteStartObject();
        foreach (var property in element.EnumerateObject())
        {
            if (property.NameEquals(skip1) || property.NameEquals(skip2))
            {
                continue;
            }

            property.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    /// <summary>Copies an object with <c>kind</c>/<c>apiVersion</c> first and <c>metadata</c> fields set (null value = remove).</summary>
    public static JsonElement Rewrite(JsonElement source, string kind, string apiVersion, IReadOnlyDictionary<string, object?> metadataSet)
    {
        var bytes = Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", kind);
            w.WriteString("apiVersion", apiVersion);
            bool wroteMetadata = false;
            foreach (var property in source.EnumerateObject())
            {
                if (property.NameEquals("kind") || property.NameEquals("apiVersion"))
                {
                    continue;
                }

                if (property.NameEquals("metadata") && property.Value.ValueKind == JsonValueKind.Object)
                {
                    WriteMetadata(w, property.Value, metadataSet);
                    wroteMetadata = true;
                    continue;
                }

                property.WriteTo(w);
            }

            if (!wroteMetadata)
            {
                WriteMetadata(w, default, metadataSet);
            }

            w.WriteEndObject();
        });
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    private static void WriteMetadata(Utf8JsonWriter w, JsonElement metadata, IReadOnlyDictionary<string, object?> set)
    {
        w.WriteStartObject("metadata");
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (metadata.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in metadata.EnumerateObject())
            {
                if (set.TryGetValue(property.Name, out object? value))
                {
                    written.Add(property.Name);
                    WriteValue(w, property.Name, value);
                }
                else
                {
                    property.WriteTo(w);
                }
            }
        }

        foreach (var (name, value) in set)
        {
            if (!written.Contains(name))
            {
                WriteValue(w, name, value);
            }
        }

        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, string name, object? value)
    {
        switch (value)
        {
            case null:
                break;
            case string text:
                w.WriteString(name, text);
                break;
            case long number:
                w.WriteNumber(name, number);
                break;
            default:
                throw new ArgumentException($"unsupported metadata value type {value.GetType()}", nameof(value));
        }
    }

    public static string Rfc3339(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    /// <summary>Deep structural equality of two elements (property order insensitive).</summary>
    public static bool DeepEquals(JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b);
}
