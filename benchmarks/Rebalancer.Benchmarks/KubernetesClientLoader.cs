using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Rebalancer.Benchmarks;

/// <summary>The objects of a snapshot file as KubernetesClient's model types.</summary>
public sealed class KubernetesObjects
{
    public List<V1Node> Nodes { get; } = [];

    public List<V1Pod> Pods { get; } = [];

    public List<V1PodDisruptionBudget> Pdbs { get; } = [];

    public List<V1Namespace> Namespaces { get; } = [];

    public List<V1PriorityClass> PriorityClasses { get; } = [];

    public List<NodeMetrics> NodeMetrics { get; } = [];

    public List<PodMetrics> PodMetrics { get; } = [];

    public int Skipped { get; set; }
}

/// <summary>
/// Reads a snapshot file the way a KubernetesClient user would: System.Text.Json with KubernetesClient's own serializer
/// options (its source-generated contracts and converters), streaming every top-level document from the FileStream, and
/// each List item deserialized straight into V1Node / V1Pod / V1PodDisruptionBudget… after a look at its <c>kind</c>
/// (metrics items, which carry none, by their <c>usage</c> / <c>containers</c> field).
/// </summary>
public static class KubernetesClientLoader
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    public static KubernetesObjects Load(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.SequentialScan);
        var result = new KubernetesObjects();
        foreach (KubeDocument? document in JsonSerializer.DeserializeAsyncEnumerable<KubeDocument>(file, topLevelValues: true, Options).ToBlockingEnumerable())
        {
            if (document?.Items is null)
            {
                continue;
            }

            foreach (KubeItem item in document.Items)
            {
                switch (item.Value)
                {
                    case V1Pod pod:
                        result.Pods.Add(pod);
                        break;
                    case V1Node node:
                        result.Nodes.Add(node);
                        break;
                    case V1PodDisruptionBudget pdb:
                        result.Pdbs.Add(pdb);
                        break;
                    case V1Namespace ns:
                        result.Namespaces.Add(ns);
                        break;
                    case V1PriorityClass pc:
                        result.PriorityClasses.Add(pc);
                        break;
                    case NodeMetrics nm:
                        result.NodeMetrics.Add(nm);
                        break;
                    case PodMetrics pm:
                        result.PodMetrics.Add(pm);
                        break;
                    default:
                        result.Skipped++;
                        break;
                }
            }
        }

        return result;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        JsonSerializerOptions? k8sOptions = null;
        KubernetesJson.AddJsonOptions(o => k8sOptions = o);
        var options = new JsonSerializerOptions(k8sOptions!);
        options.Converters.Add(new KubeItemConverter());
        return options;
    }

    /// <summary>A top-level document: a List, a typed list or a metrics list.</summary>
    private sealed class KubeDocument
    {
        public string? ApiVersion { get; set; }

        public string? Kind { get; set; }

        public List<KubeItem>? Items { get; set; }
    }

    private readonly record struct KubeItem(object? Value);

    private sealed class KubeItemConverter : JsonConverter<KubeItem>
    {
        public override KubeItem Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            // Custom converters get the whole value buffered, so a copy of the reader can look ahead for "kind". The
            // reader is not on its final block while streaming, where Skip() always throws: TrySkip() is the way.
            Utf8JsonReader peek = reader;
            string? kind = null;
            bool usage = false;
            bool containers = false;
            peek.Read();
            while (peek.TokenType == JsonTokenType.PropertyName)
            {
                if (peek.ValueTextEquals("kind"u8))
                {
                    peek.Read();
                    kind = peek.GetString();
                    break;
                }

                usage |= peek.ValueTextEquals("usage"u8);
                containers |= peek.ValueTextEquals("containers"u8);
                peek.Read();
                peek.TrySkip();
                peek.Read();
            }

            object? value = kind switch
            {
                "Pod" => JsonSerializer.Deserialize<V1Pod>(ref reader, options),
                "Node" => JsonSerializer.Deserialize<V1Node>(ref reader, options),
                "PodDisruptionBudget" => JsonSerializer.Deserialize<V1PodDisruptionBudget>(ref reader, options),
                "Namespace" => JsonSerializer.Deserialize<V1Namespace>(ref reader, options),
                "PriorityClass" => JsonSerializer.Deserialize<V1PriorityClass>(ref reader, options),
                null when usage => JsonSerializer.Deserialize<NodeMetrics>(ref reader, options),
                null when containers => JsonSerializer.Deserialize<PodMetrics>(ref reader, options),
                _ => null,
            };
            if (value is null)
            {
                reader.TrySkip();
            }

            return new KubeItem(value);
        }

        public override void Write(Utf8JsonWriter writer, KubeItem value, JsonSerializerOptions options) =>
            throw new NotSupportedException();
    }
}
