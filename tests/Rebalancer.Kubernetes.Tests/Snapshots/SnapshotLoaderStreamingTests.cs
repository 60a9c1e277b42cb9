using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>
/// The refill loop: however the bytes arrive and however small the buffer starts, the snapshot must be the same as
/// from one contiguous read.
/// </summary>
public class SnapshotLoaderStreamingTests
{
    private static readonly string Mixed = BuildMixed();

    public static TheoryData<int, int> Deliveries => new()
    {
        // (bytes per Read, initial buffer size)
        { 1, 16 },
        { 1, 4096 },
        { 3, 64 },
        { 17, 16 },
        { 1000, 256 },
        { 65_536, 1024 },
        { int.MaxValue, 16 },
    };

    [Theory]
    [MemberData(nameof(Deliveries))]
    public void Any_delivery_and_buffer_size_loads_identically(int chunk, int bufferSize)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Mixed);
        string expected = Dump(Load(Mixed));
        var stream = new TrickleStream(bytes, chunk);

        SnapshotLoadResult result = Load(stream, bufferSize);

        Assert.Equal(expected, Dump(result));
        Assert.Equal(bytes.Length, result.Statistics.Bytes);
        if (chunk == 1)
        {
            Assert.True(stream.Reads > bytes.Length, "every byte should have been delivered by its own read");
        }
    }

    [Fact]
    public void A_trickle_of_one_byte_per_read_loads_identically_with_the_default_buffer()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(Mixed);
        SnapshotLoadResult trickled = SnapshotLoader.Load(new TrickleStream(bytes), Source);
        Assert.Equal(Dump(Load(Mixed)), Dump(trickled));
    }

    [Fact]
    public void An_item_larger_than_the_default_buffer_grows_it()
    {
        // A 3 MiB string inside one pod (in a field the loader skips: strings it keeps are at most 256 KiB), between
        // two ordinary pods: the buffer (1 MiB) must double twice.
        string big = new('x', 3 << 20);
        string json = List(Pod("before"), Pod("huge", metadata: ",\"annotations\":{\"team\":\"a\"}", status: $"{{\"message\":\"{big}\",\"phase\":\"Pending\"}}"), Pod("after"));
        SnapshotLoadResult result = SnapshotLoader.Load(new TrickleStream(Encoding.UTF8.GetBytes(json), 70_000), Source);

        Assert.Equal(["before", "huge", "after"], result.Snapshot.Pods.Name);
        int huge = PodIndex(result.Snapshot, "huge");
        Assert.Equal(["team=a"], Labels(result.Snapshot, result.Snapshot.Pods.Annotations[huge]));
        Assert.Equal(PodPhase.Pending, result.Snapshot.Pods.Phase[huge]);
    }

    [Fact]
    public void An_item_larger_than_a_small_initial_buffer_loads_identically()
    {
        var labels = new StringBuilder();
        for (int i = 0; i < 1000; i++)
        {
            labels.Append($",\"label-{i}\":\"value-{i}\"");
        }

        string json = List(Pod("a"), Pod("wide", metadata: $",\"annotations\":{{\"k\":\"v\"{labels}}}"), Node("node-a"));
        Assert.True(Encoding.UTF8.GetByteCount(json) > 16 * 1024);
        Assert.Equal(Dump(Load(json)), Dump(Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), bufferSize: 16)));
    }

    [Fact]
    public void Skipped_subtrees_larger_than_the_buffer_are_skipped_across_refills()
    {
        string managedFields = "[" + string.Join(",", Enumerable.Range(0, 400).Select(i => $$$"""{"manager":"m{{{i}}}","fieldsV1":{"f:spec":{"f:x":{} } } }""")) + "]";
        string lastApplied = new('y', 20_000);
        string json = List(
            Pod("p", metadata: $",\"managedFields\":{managedFields},\"annotations\":{{\"kubectl.kubernetes.io/last-applied-configuration\":\"{lastApplied}\"}}"),
            $$$"""{"kind":"ConfigMap","metadata":{"name":"c"},"data":{"big":"{{{new string('z', 50_000)}}}"}}""");
        SnapshotLoadResult result = Load(new TrickleStream(Encoding.UTF8.GetBytes(json), 5000), bufferSize: 512);

        Assert.Empty(result.Snapshot.Pods.Annotations[0].Keys.ToArray());
        Assert.Equal([$"{Source}: skipped 1 object of unsupported kind ConfigMap"], result.Warnings);
    }

    [Fact]
    public void Thousands_of_pods_share_strings_and_constraints()
    {
        var items = new List<string> { Node("node-a"), Node("node-b") };
        for (int i = 0; i < 2000; i++)
        {
            items.Add(Pod($"web-{i}", ns: $"ns-{i % 7}", node: i % 2 == 0 ? "node-a" : "node-b",
                spec: ""","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]"""));
        }

        string json = List([.. items]);
        SnapshotLoadResult result = Load(new TrickleStream(Encoding.UTF8.GetBytes(json), 4093), bufferSize: 8192);
        var s = result.Snapshot;

        Assert.Equal(2000, s.Pods.Count);
        Assert.Equal(1000, s.PodsOn(s.Nodes.IndexOf("node-b")).Length);
        Assert.Single(s.Pods.Constraints.Distinct());
        Assert.Equal(s.Strings.Find("ns-3"), s.Pods.Namespace[3]);
        Assert.Equal(2000, result.Statistics.ObjectsByKind["Pod"]);
        Assert.Equal(Dump(Load(json)), Dump(result));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(23)]
    [InlineData(64)]
    [InlineData(4096)]
    public void Byte_order_marks_between_documents_are_found_wherever_a_block_ends(int bufferSize)
    {
        // Each position of the mark relative to a block boundary is reached by one of the sizes.
        string json = "\uFEFF" + List(Node("node-a")) + "\r\n\uFEFF" + List(Pod("web-1")) + "\n\uFEFF" + Node("node-b");
        SnapshotLoadResult result = Load(new TrickleStream(Encoding.UTF8.GetBytes(json), 5), bufferSize);

        Assert.Equal(Dump(Load(json)), Dump(result));
        Assert.Equal(["node-a", "node-b"], result.Snapshot.Nodes.Name);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    public void Constraints_that_cross_a_block_boundary_are_cached_by_their_bytes(int bufferSize)
    {
        // The same affinity in every pod: wherever a block ends inside it, all pods must share one constraint set.
        const string spec = ""","affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}]}},"tolerations":[{"operator":"Exists"}]""";
        string json = List([.. Enumerable.Range(0, 200).Select(i => Pod($"web-{i}", spec: spec))]);
        SnapshotLoadResult result = Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), bufferSize);

        Assert.Equal(200, result.Snapshot.Pods.Count);
        Assert.Single(result.Snapshot.Pods.Constraints.Distinct());
        Assert.Equal(Dump(Load(json)), Dump(result));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_parser_that_stops_early_stops_the_tokenizer(bool dispose)
    {
        // The tokenizer runs ahead on its own thread and waits when its queue is full. When the parser gives up (an
        // error, a cancelled read) and disposes the tape, the tokenizer must return instead of waiting for ever.
        byte[] bytes = Encoding.UTF8.GetBytes(List([.. Enumerable.Range(0, 3000).Select(i => Pod($"p{i}"))]));
        var stream = new TrickleStream(bytes, 4096);
        var tape = new JsonTape(stream, blockSize: 1024);
        _ = tape.ReadHead();
        tape.Start();
        Assert.True(ReadFirstToken(tape));
        if (dispose)
        {
            tape.Dispose();
        }

        Task first = await Task.WhenAny(tape.Stopped, Task.Delay(TimeSpan.FromSeconds(dispose ? 10 : 1)));
        bool stopped = first == tape.Stopped;

        Assert.Equal(dispose, stopped);
        Assert.True(stream.Delivered < bytes.Length / 2, $"read {stream.Delivered} of {bytes.Length} bytes");
        tape.Dispose();
    }

    private static bool ReadFirstToken(JsonTape tape)
    {
        TapeReader reader = tape.CreateReader();
        return reader.Read();
    }

    [Fact]
    public void An_error_early_in_a_large_input_is_reported_before_the_rest_is_read()
    {
        var items = new List<string> { Pod("bad", spec: ""","priority":"high" """) };
        items.AddRange(Enumerable.Range(0, 3000).Select(i => Pod($"p{i}")));
        byte[] bytes = Encoding.UTF8.GetBytes(List([.. items]));
        var stream = new TrickleStream(bytes, 4096);

        SnapshotFormatException error = Assert.Throws<SnapshotFormatException>(() => Load(stream, bufferSize: 1024));

        Assert.Equal("items[0].spec.priority", error.JsonPath);
        Assert.True(stream.Delivered < bytes.Length / 2, $"read {stream.Delivered} of {bytes.Length} bytes");
    }

    [Fact]
    public void Blocks_reused_from_earlier_loads_carry_nothing_over()
    {
        // Loads of more than one block hand their blocks to a shared pool (a live read parses hundreds of pages); a
        // reused block must not leak tokens or bytes of the input it held before.
        string first = List([.. Enumerable.Range(0, 7000).Select(i => Pod($"a-{i}", ns: "first", spec: ""","priority":7"""))]);
        string second = List([.. Enumerable.Range(0, 6000).Select(i => Pod($"b-{i}", ns: "second", node: "node-b"))]);
        Assert.True(Encoding.UTF8.GetByteCount(first) > 2 * SnapshotParser.DefaultBufferSize);
        Assert.True(Encoding.UTF8.GetByteCount(second) > 2 * SnapshotParser.DefaultBufferSize);

        string firstAlone = Dump(Load(first));
        string secondAfterFirst = Dump(Load(second));
        string firstAfterSecond = Dump(Load(new TrickleStream(Encoding.UTF8.GetBytes(first), 300_000), SnapshotParser.DefaultBufferSize));

        Assert.Equal(firstAlone, firstAfterSecond);
        Assert.DoesNotContain("a-", secondAfterFirst, StringComparison.Ordinal);
        Assert.Equal(6000, Load(second).Snapshot.Pods.Count);
    }

    [Theory]
    [InlineData("2025-01-31T12:00:00Z")]
    [InlineData("2024-02-29T23:59:59Z")]
    [InlineData("2025-02-29T00:00:00Z")]
    [InlineData("2025-04-31T00:00:00Z")]
    [InlineData("2025-01-01T24:00:00Z")]
    [InlineData("2025-01-01T00:60:00Z")]
    [InlineData("2016-12-31T23:59:60Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("2025-01-01T00:00:00.123Z")]
    [InlineData("2025-01-01T02:00:00+02:00")]
    [InlineData("2025-01-01 00:00:00Z")]
    [InlineData("2025-1-01T00:00:00Z")]
    [InlineData("2025-01-01T00:00:00")]
    [InlineData("2025-01-01T00:00:0xZ")]
    [InlineData(@"2025-01-01T00:00:00\u005A")]
    [InlineData("yesterday")]
    public void Tape_values_follow_the_readers_own_rules(string text)
    {
        // The tape decodes the common timestamp shape itself and numbers with Utf8Parser; both must agree with
        // Utf8JsonReader on every input, valid or not.
        string json = $"[\"{text}\", 12, -0, 1e3, 2147483648, 9223372036854775808, 1.5]";
        var reader = new System.Text.Json.Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        var tape = new JsonTape(new MemoryStream(Encoding.UTF8.GetBytes(json)), blockSize: 4096);
        _ = tape.ReadHead();
        tape.Start();

        Assert.Equal(ReaderValues(ref reader), TapeValues(tape));
    }

    private static List<string> ReaderValues(ref System.Text.Json.Utf8JsonReader reader)
    {
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.TokenType switch
            {
                System.Text.Json.JsonTokenType.String => TimeText(reader.TryGetDateTimeOffset(out DateTimeOffset time), time),
                System.Text.Json.JsonTokenType.Number => NumberText(reader.TryGetInt32(out int i), i, reader.TryGetInt64(out long l), l),
                _ => reader.TokenType.ToString(),
            });
        }

        return values;
    }

    private static string TimeText(bool parsed, DateTimeOffset time) => parsed ? time.ToString("O") : "not a time";

    private static string NumberText(bool isInt32, int int32, bool isInt64, long int64) =>
        (isInt32 ? int32.ToString() : "-") + "/" + (isInt64 ? int64.ToString() : "-");

    private static List<string> TapeValues(JsonTape tape)
    {
        var values = new List<string>();
        TapeReader reader = tape.CreateReader();
        while (reader.Read())
        {
            values.Add(reader.TokenType switch
            {
                System.Text.Json.JsonTokenType.String => TimeText(reader.TryGetDateTimeOffset(out DateTimeOffset time), time),
                System.Text.Json.JsonTokenType.Number => NumberText(reader.TryGetInt32(out int i), i, reader.TryGetInt64(out long l), l),
                _ => reader.TokenType.ToString(),
            });
        }

        return values;
    }

    /// <summary>Every kind and shape in one input, several documents, CRLF and escapes included.</summary>
    private static string BuildMixed()
    {
        string pods = List(
            Node("node-a", spec: """{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]}""",
                allocatable: """{"cpu":"3920m","memory":"15Gi","pods":"110","nvidia.com/gpu":"2"}"""),
            Pod("web-1", metadata: ""","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"a\":\"b\"}","team":"a"},"ownerReferences":[{"kind":"ReplicaSet","name":"web-abc","uid":"rs-1","controller":true}]""",
                spec: ""","priority":10,"tolerations":[{"operator":"Exists"}],"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}]}}""",
                containers: """[{"name":"app","image":"nginx","resources":{"requests":{"cpu":"1234567890n","memory":"0.5Gi","nvidia.com/gpu":1}}}]"""),
            Pod("web-2", node: "node-b", spec: ""","volumes":[{"name":"d","persistentVolumeClaim":{"claimName":"data"}},{"name":"e","ephemeral":{}}]""",
                status: """{"phase":"Pending","containerStatuses":[{"name":"app","restartCount":3,"state":{"waiting":{"reason":"ContainerCreating"}}}]}"""),
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}""",
            """{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web","namespace":"default","generation":1},"spec":{"maxUnavailable":"25%","selector":{"matchLabels":{"app":"web"}}},"status":{"observedGeneration":1,"disruptionsAllowed":1,"currentHealthy":2,"desiredHealthy":1,"expectedPods":2}}""")
            .Replace("\n", "\r\n", StringComparison.Ordinal);
        string nodeB = Node("node-b", extraMetadata: ""","annotations":{"note":"caf\u00e9 \u2603"}""");
        const string others = """
            {"kind":"NamespaceList","items":[{"metadata":{"name":"default","labels":{"kubernetes.io/metadata.name":"default"}}}]}
            {"kind":"PriorityClass","metadata":{"name":"high"},"value":1000,"globalDefault":false}
            {"kind":"PersistentVolumeClaimList","items":[{"metadata":{"name":"data","namespace":"default"},"spec":{"storageClassName":"fast"}}]}
            {"kind":"NodeMetricsList","items":[{"metadata":{"name":"node-a"},"usage":{"cpu":"1500000001n","memory":"2Gi"}}]}
            {"kind":"PodMetricsList","items":[{"metadata":{"name":"web-1","namespace":"default"},"containers":[{"name":"app","usage":{"cpu":"5m","memory":"10Mi"}}]}]}
            """;
        return pods + nodeB + "\n" + others;
    }
}
