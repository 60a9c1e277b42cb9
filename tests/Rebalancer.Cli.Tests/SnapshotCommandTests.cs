using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Rebalancer.Cli.Commands;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Snapshots.Compact;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests;

/// <summary><c>rebalancer snapshot</c> against the test API server; the file must plan exactly like the live cluster.</summary>
public sealed class SnapshotCommandTests : IDisposable
{
    private const string Now = "2026-11-27T10:00:00Z";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"rebalancer-snapshot-{Guid.NewGuid():N}");

    public SnapshotCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Snapshot_Should_ReloadWithPlanToTheSamePlanAsTheLiveCluster()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        string file = Path.Combine(_directory, "cluster.json");
        server.Faults.ExpireContinue("/api/v1/pods", page: 2, times: 1);

        (int code, string output, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", file, "--page-size", "25"]);

        Assert.True(code == 0, error);
        Assert.Empty(output);
        Assert.Contains("written to " + file, error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, ".rebalancer-snapshot-*"));
        Assert.True(server.Journal.Find("GET", "/api/v1/pods").Count > 2);

        (int planCode, string fromFile, string planError) = await CliRunner.RunAsync(
            ["plan", "--snapshot", file, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now]);
        Assert.True(planCode == 0, planError);

        (int runCode, string live, string runError) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", kubeconfig, "--policy", CliRunner.DemoPolicy, "--dry-run", "--output", "json"],
            services => services.AddSingleton<TimeProvider>(RunCommandTests.ClockAt(Now)));
        Assert.True(runCode == 0, runError);

        // The run reaches the test server over plain http with a token: its report warns of that. The warning is the
        // run's, not the plan's, so the plan of the file cannot have it; everything else must be the same.
        JsonObject liveReport = JsonNode.Parse(live)!.AsObject();
        JsonArray liveWarnings = liveReport["warnings"]!.AsArray();
        JsonNode insecure = Assert.Single(liveWarnings, w => w!["message"]!.GetValue<string>().Contains("is plain http, and a bearer token is sent", StringComparison.Ordinal))!;
        liveWarnings.Remove(insecure);
        liveReport["summary"]!["warnings"] = liveReport["summary"]!["warnings"]!.GetValue<int>() - 1;

        using JsonDocument a = JsonDocument.Parse(fromFile);
        using JsonDocument b = JsonDocument.Parse(liveReport.ToJsonString());
        Assert.NotEmpty(a.RootElement.GetProperty("evictions").EnumerateArray());
        foreach (string section in new[] { "evictions", "skipped", "summary", "warnings" })
        {
            Assert.Equal(Comparable(a.RootElement.GetProperty(section)), Comparable(b.RootElement.GetProperty(section)));
        }
    }

    [Fact]
    public async Task Snapshot_Should_WriteToStandardOutput_When_OutIsADash()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");

        (int code, string output, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", "-", "--no-metrics"]);

        Assert.True(code == 0, error);
        string[] documents = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(documents);
        using JsonDocument list = JsonDocument.Parse(documents[0]);
        Assert.Equal("List", list.RootElement.GetProperty("kind").GetString());
        Assert.Equal(server.Store.Count("pods"), list.RootElement.GetProperty("items").EnumerateArray().Count(i => i.GetProperty("kind").GetString() == "Pod"));
    }

    /// <summary>Without --format, the name of the output and --from choose: a name that says compact gets compact.</summary>
    [Theory]
    [InlineData(new string[0], "cluster.json", false)]
    [InlineData(new string[0], "cluster.rbsnap", true)]
    [InlineData(new string[0], "CLUSTER.RBSNAP", true)]
    [InlineData(new[] { "--format", "json" }, "cluster.rbsnap", false)]
    [InlineData(new[] { "--from", "demo" }, "cluster.out", true)]
    [InlineData(new[] { "--from", "demo" }, "cluster.rbsnap", true)]
    public async Task Snapshot_Should_ChooseTheFormatFromTheOutputName_When_NoFormatIsGiven(string[] options, string name, bool compact)
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        string file = Path.Combine(_directory, name);
        string[] source = options.Length > 0 && options[0] == "--from" ? ["--from", CliRunner.DemoSnapshot] : ["--kubeconfig", kubeconfig, .. options];

        (int code, _, string error) = await CliRunner.RunAsync(["snapshot", .. source, "-o", file]);

        Assert.True(code == 0, error);
        Assert.Equal(compact, CompactSnapshot.IsCompact(File.ReadAllBytes(file)));
        Assert.Equal(345, SnapshotLoader.Load(file).Snapshot.Pods.Count);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("compact")]
    public async Task Snapshot_Should_Exit1AndWriteNothing_When_AListFails(string format)
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        string file = Path.Combine(_directory, "cluster.json");
        server.Faults.ExpireContinue("/api/v1/pods", page: 2, times: 2);

        (int code, _, string error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "-o", file, "--page-size", "25", "--format", format]);

        Assert.Equal(1, code);
        Assert.Contains("reading pods, page 2", error, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(_directory, ".rebalancer-snapshot-*"));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("compact")]
    public async Task Snapshot_Should_Exit2_When_NoKubeconfigExists(string format)
    {
        (int code, _, string error) = await CliRunner.RunAsync(
            ["snapshot", "--kubeconfig", Path.Combine(_directory, "missing"), "-o", Path.Combine(_directory, "out"), "--format", format]);

        Assert.Equal(2, code);
        Assert.Contains("file not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompactSnapshot_Should_PlanLikeTheJsonSnapshot_When_BothAreReadFromTheSameCluster()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        string json = Path.Combine(_directory, "cluster.json");
        string compact = Path.Combine(_directory, "cluster.rbsnap");

        // Small pages and an expired continue token: the compact read takes the same reader options, restart included.
        server.Faults.ExpireContinue("/api/v1/pods", page: 2, times: 1);
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["snapshot", "--kubeconfig", kubeconfig, "--format", "compact", "-o", compact, "--page-size", "25"]);
        Assert.True(code == 0, error);
        Assert.Empty(output);
        Assert.Contains("compact snapshot of", error, StringComparison.Ordinal);
        Assert.Contains("written to " + compact, error, StringComparison.Ordinal);
        Assert.Contains(" bytes", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, ".rebalancer-snapshot-*"));
        Assert.True(server.Journal.Find("GET", "/api/v1/pods").Count > 2);
        Assert.True(CompactSnapshot.IsCompact(File.ReadAllBytes(compact)));

        (code, _, error) = await CliRunner.RunAsync(["snapshot", "--kubeconfig", kubeconfig, "--format", "json", "-o", json]);
        Assert.True(code == 0, error);
        Assert.Contains("json snapshot of", error, StringComparison.Ordinal);

        // The demo policy plans on requests, so the plans alone would not notice missing usage.
        (int Nodes, int Pods) usage = Usage(SnapshotLoader.Load(json).Snapshot);
        Assert.True(usage.Nodes > 0 && usage.Pods > 0);
        Assert.Equal(usage, Usage(SnapshotLoader.Load(compact).Snapshot));

        string fromJson = await PlanAsync(json);
        Assert.NotEmpty(JsonDocument.Parse(fromJson).RootElement.GetProperty("evictions").EnumerateArray());
        string fromCompact = await PlanAsync(compact);

        // The compact file keeps what its read warned about (here the restarted pod list), and the plan reports it.
        Assert.Contains(JsonDocument.Parse(fromCompact).RootElement.GetProperty("warnings").EnumerateArray(),
            w => w.GetProperty("source").GetString() == "snapshot" && w.GetProperty("message").GetString()!.StartsWith(compact + ": ", StringComparison.Ordinal));
        Assert.Equal(WithoutSource(WithoutSnapshotWarnings(fromJson)), WithoutSource(WithoutSnapshotWarnings(fromCompact)));
    }

    /// <summary>The report without the snapshot's own warnings (the plan's are kept), and its warning count to match.</summary>
    private static string WithoutSnapshotWarnings(string report)
    {
        JsonNode node = JsonNode.Parse(report)!;
        JsonArray warnings = node["warnings"]!.AsArray();
        foreach (JsonNode? warning in warnings.Where(w => (string?)w!["source"] == "snapshot").ToList())
        {
            warnings.Remove(warning);
        }

        node["summary"]!["warnings"] = warnings.Count;
        return node.ToJsonString();
    }

    [Theory]
    [InlineData("json")]
    [InlineData("gzip")]
    [InlineData("compact")]
    [InlineData("stdin")]
    public async Task SnapshotFrom_Should_WriteACompactFileThatPlansLikeTheSource_When_TheSourceIs(string source)
    {
        string output = Path.Combine(_directory, "demo.rbsnap");
        (string from, byte[]? stdin) = source switch
        {
            "json" => (CliRunner.DemoSnapshot, null),
            "gzip" => (WriteFile("demo.json.gz", Gzip(File.ReadAllBytes(CliRunner.DemoSnapshot))), null),
            "compact" => (WriteFile("demo-before.rbsnap", DemoCompact.Value), null),
            "stdin" => ("-", File.ReadAllBytes(CliRunner.DemoSnapshot)),
            _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
        };

        (int code, byte[] bytes, string text, string error) = await CliRunner.RunBinaryAsync(
            ["snapshot", "--from", from, "--format", "compact", "-o", output], NoConnection, stdin);

        Assert.True(code == 0, error);
        Assert.Empty(bytes);
        Assert.Empty(text);
        Assert.Contains($"converted to a compact snapshot, written to {output}", error, StringComparison.Ordinal);
        Assert.Contains("345 Pod", error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, ".rebalancer-snapshot-*"));
        Assert.True(CompactSnapshot.IsCompact(File.ReadAllBytes(output)));

        SnapshotLoadResult demo = SnapshotLoader.Load(CliRunner.DemoSnapshot);
        SnapshotLoadResult converted = SnapshotLoader.Load(output);
        Assert.Equal(demo.Statistics.ObjectsByKind.OrderBy(pair => pair.Key, StringComparer.Ordinal), converted.Statistics.ObjectsByKind.OrderBy(pair => pair.Key, StringComparer.Ordinal));
        Assert.Equal(Usage(demo.Snapshot), Usage(converted.Snapshot));

        string fromJson = await PlanAsync(CliRunner.DemoSnapshot);
        Assert.NotEmpty(JsonDocument.Parse(fromJson).RootElement.GetProperty("evictions").EnumerateArray());
        Assert.Equal(WithoutSource(fromJson), WithoutSource(await PlanAsync(output)));
    }

    [Theory]
    [InlineData("truncated-json", "the JSON is truncated")]
    [InlineData("damaged-compact", "")]
    [InlineData("truncated-compact", "truncated")]
    [InlineData("damaged-gzip", "not a readable gzip file")]
    [InlineData("missing", "no such file")]
    public async Task SnapshotFrom_Should_Exit2AndWriteNothing_When_TheFileIsMalformed(string kind, string problem)
    {
        string from = Path.Combine(_directory, "from-" + kind);
        byte[] demo = DemoCompact.Value;
        byte[]? content = kind switch
        {
            "truncated-json" => """{"apiVersion":"v1","kind":"List","items":[{"kind":"Node","metadata":{"name":"a"""u8.ToArray(),
            "damaged-compact" => Damaged(demo),
            "truncated-compact" => demo[..(demo.Length / 2)],
            "damaged-gzip" => [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01],
            "missing" => null,
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        if (content is not null)
        {
            File.WriteAllBytes(from, content);
        }

        string output = Path.Combine(_directory, "out.rbsnap");
        (int code, byte[] bytes, _, string error) = await CliRunner.RunBinaryAsync(
            ["snapshot", "--from", from, "--format", "compact", "-o", output], NoConnection);

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(from, error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.Empty(bytes);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_directory, ".rebalancer-snapshot-*"));
    }

    public static TheoryData<string[], string> RejectedOptions => new()
    {
        { ["--from", CliRunner.DemoSnapshot, "--format", "json"], "can only be converted with --format compact" },
        { ["--from", "", "--format", "compact"], "error: --from: a file name is required" },
        { ["--format", "xml"], "error: --format: 'xml' is not one of json, compact" },
        { ["--format", ""], "error: --format: '' is not one of json, compact" },
        { ["--from", CliRunner.DemoSnapshot, "--format", "compact", "--context", "prod"], "error: --context: not used with --from" },
        { ["--from", CliRunner.DemoSnapshot, "--format", "compact", "--kubeconfig", "/etc/kubeconfig", "--no-metrics"], "error: --no-metrics: not used with --from" },
    };

    [Theory]
    [MemberData(nameof(RejectedOptions))]
    public async Task Snapshot_Should_Exit2BeforeDoingAnything_When_OptionsConflict(string[] options, string message)
    {
        string output = Path.Combine(_directory, "out");

        (int code, _, _, string error) = await CliRunner.RunBinaryAsync(["snapshot", .. options, "-o", output], NoConnection);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Snapshot_Should_NameTheVariable_When_REBALANCER_FORMATIsInvalid()
    {
        (int code, _, string error) = await CliRunner.RunAsync(
            ["snapshot", "-o", Path.Combine(_directory, "out")], NoConnection, new Dictionary<string, string?> { ["REBALANCER_FORMAT"] = "yaml" });

        Assert.Equal(2, code);
        Assert.Contains("error: REBALANCER_FORMAT: 'yaml' is not one of json, compact", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CompactSnapshot_Should_WriteLoadableBytesToStandardOutput_When_OutIsADash(bool live)
    {
        await using TestApiServer? server = live ? await RunCommandTests.StartDemoAsync() : null;
        string[] source = server is null
            ? ["--from", CliRunner.DemoSnapshot]
            : ["--kubeconfig", server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo")];

        (int code, byte[] bytes, string text, string error) = await CliRunner.RunBinaryAsync(
            ["snapshot", .. source, "--format", "compact", "-o", "-"], server is null ? NoConnection : null);

        Assert.True(code == 0, error);
        Assert.Empty(text);
        Assert.Contains("written to standard output", error, StringComparison.Ordinal);
        Assert.Contains($"; {bytes.Length} bytes", error, StringComparison.Ordinal);
        SnapshotLoadResult loaded = SnapshotLoader.Load(new MemoryStream(bytes), "<stdout>");
        SnapshotLoadResult demo = SnapshotLoader.Load(CliRunner.DemoSnapshot);
        Assert.Equal(demo.Snapshot.Nodes.Count, loaded.Snapshot.Nodes.Count);
        Assert.Equal(demo.Snapshot.Pods.Count, loaded.Snapshot.Pods.Count);
        Assert.Equal(PodKeys(demo.Snapshot), PodKeys(loaded.Snapshot));
        Assert.Equal(bytes.Length, loaded.Statistics.Bytes);
    }

    [Fact]
    public async Task CompactSnapshot_Should_Exit2_When_StandardOutputTakesOnlyText()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["snapshot", "--from", CliRunner.DemoSnapshot, "--format", "compact", "-o", "-"], NoConnection);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("error: --out -: a compact snapshot is binary", error, StringComparison.Ordinal);
    }

    /// <summary>The demo snapshot in the compact format, as the format's own writer makes it.</summary>
    private static readonly Lazy<byte[]> DemoCompact = new(() =>
    {
        using var stream = new MemoryStream();
        CompactSnapshot.Write(stream, SnapshotLoader.Load(CliRunner.DemoSnapshot));
        return stream.ToArray();
    });

    /// <summary>Connections fail the test: <c>--from</c> and invalid options must not touch a kubeconfig or a cluster.</summary>
    private static void NoConnection(IServiceCollection services) =>
        services.AddSingleton(RunDependencies.Default with
        {
            Connect = options => throw new InvalidOperationException($"the command connected to a cluster (kubeconfig {options.Kubeconfig})"),
        });

    private string WriteFile(string name, byte[] content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static byte[] Gzip(byte[] content)
    {
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest))
        {
            gzip.Write(content);
        }

        return stream.ToArray();
    }

    /// <summary>One byte flipped in the middle of the columns: only the checksum can tell.</summary>
    private static byte[] Damaged(byte[] compact)
    {
        byte[] damaged = [.. compact];
        damaged[damaged.Length / 2] ^= 0x5A;
        return damaged;
    }

    private static (int Nodes, int Pods) Usage(ClusterSnapshot snapshot) =>
        (snapshot.Nodes.HasUsage.Count(has => has), snapshot.Pods.HasUsage.Count(has => has));

    private static string[] PodKeys(ClusterSnapshot snapshot) =>
        [.. Enumerable.Range(0, snapshot.Pods.Count).Select(snapshot.PodKey).Order(StringComparer.Ordinal)];

    private static async Task<string> PlanAsync(string snapshot)
    {
        (int code, string report, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", snapshot, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now]);
        Assert.True(code == 0, error);
        return report;
    }

    /// <summary>The whole report but <c>metadata.source</c>, the one field that names the snapshot file.</summary>
    private static string WithoutSource(string report)
    {
        JsonNode node = JsonNode.Parse(report)!;
        Assert.True(node["metadata"]!.AsObject().Remove("source"));
        return node.ToJsonString();
    }

    /// <summary>The section's JSON without the execution outcomes a dry run adds to each eviction.</summary>
    private static string Comparable(JsonElement element)
    {
        JsonNode node = JsonNode.Parse(element.GetRawText())!;
        if (node is JsonArray items)
        {
            foreach (JsonObject item in items.OfType<JsonObject>())
            {
                item.Remove("outcome");
                item.Remove("attempts");
                item.Remove("message");
            }
        }

        return node.ToJsonString();
    }
}
