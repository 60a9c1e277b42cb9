using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Rebalancer.Kubernetes.Snapshots.Inventory;

/// <summary>
/// The System.Text.Json options the inventory kinds are deserialized with: KubernetesClient's own
/// (<see cref="KubernetesJson"/>: its naming policy, converters and source-generated metadata), copied, with two
/// changes so that bad input is an error at its field path rather than an exception without one: quantities are kept
/// as written (<see cref="QuantityText"/>) for <see cref="InventoryReader"/> to check and scale, and timestamps that
/// are not RFC 3339 throw a <see cref="JsonException"/> (the library's converter throws a <see cref="FormatException"/>,
/// which carries no path). Duplicate properties are refused before, when the parser writes the object out.
/// </summary>
internal static class InventoryJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        // KubernetesJson keeps its options private; AddJsonOptions hands them to a callback, which copies without changing them.
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(library => options ??= new JsonSerializerOptions(library));
        if (options is null)
        {
            throw new InvalidOperationException("KubernetesJson did not provide its serializer options.");
        }

        // Converters in the options take precedence over the [JsonConverter] attributes on the model types.
        options.Converters.Insert(0, new QuantityTextConverter());
        options.Converters.Insert(0, new StrictDateTimeConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A quantity's text as the source wrote it (a JSON string, or a bare number as Go's Quantity accepts).</summary>
    private sealed class QuantityTextConverter : JsonConverter<ResourceQuantity>
    {
        public override ResourceQuantity? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => new QuantityText(reader.GetString() ?? string.Empty),
            JsonTokenType.Number => new QuantityText(System.Text.Encoding.UTF8.GetString(reader.ValueSpan)),
            _ => throw new JsonException("expected a quantity string"),
        };

        public override void Write(Utf8JsonWriter writer, ResourceQuantity value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value is QuantityText text ? text.Text : value.ToString());
    }

    /// <summary>RFC 3339 timestamps by the JSON reader's own ISO 8601 rules (those of the Pod and Node parser), as UTC.</summary>
    private sealed class StrictDateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out DateTimeOffset value)
                ? value.UtcDateTime
                : throw new JsonException("expected an RFC 3339 timestamp");

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// A <see cref="ResourceQuantity"/> that keeps the text it was read from. KubernetesClient's quantity parses (and
/// canonicalises) on construction; the inventory reader parses the text itself with the loader's exact rules
/// (<see cref="Core.Model.Quantity"/>), so the base value is a placeholder that nothing reads.
/// </summary>
internal sealed class QuantityText(string text) : ResourceQuantity(0m, 0, SuffixFormat.DecimalSI)
{
    public string Text { get; } = text;

    public override string ToString() => Text;
}
