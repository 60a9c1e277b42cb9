using System.Text;
using Rebalancer.Kubernetes.Snapshots;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>Malformed snapshots fail with the file, the JSON path and the offending value.</summary>
public class SnapshotLoaderErrorTests
{
    private static readonly string Good = Pod("good");

    private const string InvalidQuantity =
        "invalid quantity; expected a number of 0 or more with an optional suffix, without spaces: 250m, 2, 1.5, 512Mi, 2Gi, 1e3";

    public static TheoryData<string, string, string, string?> Malformed => new()
    {
        {
            List(Good, Pod("bad", containers: """[{"name":"a"},{"name":"b","resources":{"requests":{"cpu":"1.5.0"}}}]""")),
            "items[1].spec.containers[1].resources.requests.cpu", InvalidQuantity, "1.5.0"
        },
        {
            List(Pod("bad", spec: ""","initContainers":[{"name":"i","resources":{"limits":{"nvidia.com/gpu":"1Kb"}}}]""")),
            "items[0].spec.initContainers[0].resources.limits[\"nvidia.com/gpu\"]", InvalidQuantity, "1Kb"
        },
        {
            List(Pod("bad", spec: ""","overhead":{"memory":"Mi"}""")),
            "items[0].spec.overhead.memory", InvalidQuantity, "Mi"
        },
        {
            List(Good, Pod("good-2"), """{"kind":"PodDisruptionBudget","metadata":{"name":"p"},"spec":{"minAvailable":"3"}}"""),
            "items[2].spec.minAvailable", "expected an integer or a percentage such as \"50%\"", "3"
        },
        {
            List("""{"kind":"PodDisruptionBudget","metadata":{"name":"p"},"spec":{"maxUnavailable":"ten%"}}"""),
            "items[0].spec.maxUnavailable", "expected an integer or a percentage such as \"50%\"", "ten%"
        },
        {
            List("""{"kind":"PodDisruptionBudget","metadata":{"name":"p"},"spec":{"maxUnavailable":1.5}}"""),
            "items[0].spec.maxUnavailable", "expected an integer or a percentage string, found a number", "1.5"
        },
        {
            List(Pod("bad", spec: ""","priority":"high" """)),
            "items[0].spec.priority", "expected a 32-bit integer, found a string", "high"
        },
        {
            List(Pod("bad", spec: ""","priority":3000000000""")),
            "items[0].spec.priority", "expected a 32-bit integer, found a number", "3000000000"
        },
        {
            List(Pod("bad", metadata: ""","labels":{"app.kubernetes.io/name":7}""")),
            "items[0].metadata.labels[\"app.kubernetes.io/name\"]", "expected a string, found a number", "7"
        },
        {
            List(Pod("bad", metadata: ""","deletionTimestamp":"yesterday" """)),
            "items[0].metadata.deletionTimestamp", "expected an RFC 3339 timestamp", "yesterday"
        },
        {
            List(Pod("bad", spec: ""","containers":{"name":"a"}""")),
            "items[0].spec.containers", "expected an array, found an object", null
        },
        {
            List(Pod("bad", spec: ""","tolerations":[{"key":"k","operator":"Equals"}]""")),
            "items[0].spec.tolerations[0].operator", "expected one of Equal, Exists", "Equals"
        },
        {
            List(Pod("bad", spec: ""","affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchExpressions":[{"key":"a","operator":"Gt","values":["1"]}]},"topologyKey":"t"}]}}""")),
            "items[0].spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].operator",
            "expected one of In, NotIn, Exists, DoesNotExist", "Gt"
        },
        {
            List(Pod("bad", spec: ""","topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"z","whenUnsatisfiable":"Sometimes"}]""")),
            "items[0].spec.topologySpreadConstraints[0].whenUnsatisfiable", "expected one of DoNotSchedule, ScheduleAnyway", "Sometimes"
        },
        {
            List(Pod("bad", spec: ""","affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x",2]}]}]}}}""")),
            "items[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[1]",
            "expected a string, found a number", "2"
        },
        {
            List(Pod("bad", status: """{"phase":"Runing"}""")),
            "items[0].status.phase", "expected one of Pending, Running, Succeeded, Failed, Unknown", "Runing"
        },
        {
            List(Node("bad", spec: """{"taints":[{"key":"k","effect":""}]}""")),
            "items[0].spec.taints[0].effect", "expected one of NoSchedule, PreferNoSchedule, NoExecute", ""
        },
        {
            List(Node("bad", spec: """{"unschedulable":"yes"}""")),
            "items[0].spec.unschedulable", "expected true or false, found a string", "yes"
        },
        {
            List("""{"apiVersion":"v1","metadata":{"name":"x"}}"""),
            "items[0]", "the object has no \"kind\" (items of a v1 List must each name their kind)", null
        },
        {
            List("""{"kind":"Pod","metadata":{"namespace":"a"}}"""),
            "items[0].metadata.name", "the object has no name", null
        },
        {
            List("42"),
            "items[0]", "expected an object, found a number", "42"
        },
        {
            """{"kind":"List","items":{}}""",
            "items", "expected an array, found an object", null
        },
        {
            Good + "\n" + Pod("second", spec: ""","nodeName":5"""),
            "documents[1].spec.nodeName", "expected a string, found a number", "5"
        },
        {
            Good + "\n12",
            "documents[1]", "expected a Kubernetes object or List, found a number", "12"
        },
        {
            "[" + Good + "]",
            "$", "expected a Kubernetes object or List, found an array", null
        },
        {
            """{"apiVersion":"v1","metadata":{}}""",
            "$", "the document has no \"kind\"; expected a Kubernetes object or List", null
        },
        {
            "",
            "$", "the input contains no JSON document", null
        },
        {
            " \n\t ",
            "$", "the input contains no JSON document", null
        },
        {
            "this is not JSON at all\nsecond line",
            "$", "the input is not JSON; snapshot files are the output of 'kubectl get … -o json'", "this is not JSON at all"
        },
        {
            "apiVersion: v1\nkind: List\nitems: []\n",
            "$", "the input is not JSON; snapshot files are the output of 'kubectl get … -o json'", "apiVersion: v1"
        },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_input_names_the_file_path_and_value(string json, string path, string problem, string? value)
    {
        SnapshotFormatException error = LoadFails(json);

        Assert.Equal(Source, error.Source);
        Assert.Equal(path, error.JsonPath);
        Assert.Equal(problem, error.Problem);
        Assert.Equal(value, error.Value);
        string expectedMessage = value is null ? $"{Source}: {path}: {problem}" : $"{Source}: {path}: {problem} (value '{value}')";
        Assert.Equal(expectedMessage, error.Message);
    }

    public static TheoryData<string, string> Syntax => new()
    {
        // Truncated inside a value: the path says how far the loader got.
        { CutAfter(List(Good, Pod("cut")), "\"image\":\"ngi", occurrence: 2), "items[1].spec.containers[0].image" },
        { CutAfter(List(Good, Pod("cut")), "\"cpu\":", occurrence: 2), "items[1].spec.containers[0].resources.requests.cpu" },
        { CutAfter(List(Good, Pod("cut")), "\"containers\":[", occurrence: 2), "items[1].spec.containers" },
        { CutAfter(Good, "\"creationTimestamp\":\"2025-01-01T00:00:00Z\"", occurrence: 1), "metadata" },
        { CutAfter(Good, "\"creationTimestamp\":\"2025-01", occurrence: 1), "metadata.creationTimestamp" },
        { List(Good, Pod("cut"))[..^2], "items[2]" },
        { List(Good)[..^1], "$" },
        { Good + Good[..10], "documents[1]" },

        // Syntax errors.
        { """{"kind":"List","items":[{"kind":"Pod",,"metadata":{}}]}""", "items[0]" },
        { """{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"x"}} {"kind":"Pod"}]}""", "items[1]" },
        { """{"kind":"Pod","metadata":{"name":tru}}""", "metadata.name" },
        { Good + "\n} trailing", "documents[1]" },
    };

    private static string CutAfter(string json, string marker, int occurrence)
    {
        int at = -1;
        for (int i = 0; i < occurrence; i++)
        {
            at = json.IndexOf(marker, at + 1, StringComparison.Ordinal);
            Assert.True(at >= 0, $"marker {marker} #{occurrence} not found");
        }

        return json[..(at + marker.Length)];
    }

    [Theory]
    [MemberData(nameof(Syntax))]
    public void Syntax_errors_and_truncation_keep_the_best_path(string json, string path)
    {
        SnapshotFormatException error = LoadFails(json);
        Assert.Equal(path, error.JsonPath);
        Assert.StartsWith($"{Source}: {path}: ", error.Message, StringComparison.Ordinal);
        Assert.True(error.Problem.StartsWith("invalid JSON: ", StringComparison.Ordinal) || error.Problem.Contains("truncated", StringComparison.Ordinal),
            error.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Truncation_is_reported_the_same_however_the_bytes_arrive(int chunk)
    {
        string json = List(Good, Pod("cut", spec: ""","tolerations":[{"operator":"Exists"}]"""));
        byte[] cut = Encoding.UTF8.GetBytes(json[..json.LastIndexOf("\"status\":{\"phase\"", StringComparison.Ordinal)]);
        SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => Load(new TrickleStream(cut, chunk), bufferSize: 64));
        Assert.Equal("items[1]", error.JsonPath);
        Assert.Contains("truncated", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_far_into_a_stream_is_found_after_many_refills()
    {
        var items = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            items.Add(Pod($"p{i}", containers: i == 271
                ? """[{"name":"a","resources":{"requests":{"memory":"12 Gi"}}}]"""
                : """[{"name":"a","resources":{"requests":{"memory":"12Gi"}}}]"""));
        }

        byte[] bytes = Encoding.UTF8.GetBytes(List([.. items]));
        SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => Load(new TrickleStream(bytes, 1000), bufferSize: 256));
        Assert.Equal("items[271].spec.containers[0].resources.requests.memory", error.JsonPath);
        Assert.Equal("12 Gi", error.Value);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'{', 0 }, "the input is UTF-16 text; save it as UTF-8")]
    public void Wrong_encodings_are_named(byte[] head, string problem)
    {
        SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new MemoryStream(head), "x.json"));
        Assert.Equal(problem, error.Problem);
        Assert.Equal("x.json: $: " + problem, error.Message);
    }

    [Fact]
    public void Gzip_is_decompressed_from_a_pipe_too_and_a_damaged_one_is_a_format_error()
    {
        byte[] json = Encoding.UTF8.GetBytes(List(Node("node-a"), Pod("web-1")));
        using var compressed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json);
        }

        byte[] bytes = compressed.ToArray();
        Assert.Equal(Dump(SnapshotLoader.Load(new MemoryStream(json), "x.json")), Dump(SnapshotLoader.Load(new TrickleStream(bytes, 100), "x.json")));

        byte[] damaged = [.. bytes[..10], .. Enumerable.Repeat((byte)0xFF, 12)];
        SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new TrickleStream(damaged, 100), "x.json.gz"));
        Assert.StartsWith("x.json.gz: $: not a readable gzip file: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gzip_in_files_merged_with_LoadInto_is_named()
    {
        SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => Load(new MemoryStream([0x1F, 0x8B, 8, 0]), bufferSize: 256));
        Assert.Equal("the input is gzip-compressed; files merged into one snapshot must be decompressed first", error.Problem);
    }

    [Fact]
    public void Long_values_are_shortened_in_the_message_but_kept_whole()
    {
        string value = new('9', 500);
        SnapshotFormatException error = LoadFails(List(Pod("p", spec: $",\"priority\":\"{value}\"")));
        Assert.Equal(value, error.Value);
        Assert.EndsWith("(value '" + new string('9', 120) + "…')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_errors_keep_the_reader_exception()
    {
        SnapshotFormatException error = LoadFails("""{"kind":"Pod","metadata":{"name":"x"},}""");
        Assert.IsType<System.Text.Json.JsonException>(error.InnerException, exactMatch: false);
    }
}
