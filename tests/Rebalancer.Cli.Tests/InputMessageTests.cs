using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Rebalancer.Cli.Tests;

/// <summary>
/// What the CLI says about its inputs: the option each message is about, files that are not what the option takes, the
/// clock, options given twice, and the snapshot's warnings in the report.
/// </summary>
public sealed partial class InputMessageTests : IDisposable
{
    private const string Now = "2026-11-27T10:00:00Z";

    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-input-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string[], string> BadFiles => new()
    {
        // Arguments ("{dir}" is the test's directory, "{demo}" the demo snapshot), then the message.
        { ["plan", "--snapshot", "{dir}"], "error: --snapshot {dir}: is a directory, not a file" },
        { ["plan", "--snapshot", "{dir}/missing.json"], "error: --snapshot {dir}/missing.json: no such file" },
        { ["plan", "--snapshot", "{dir}/gone/missing.json"], "error: --snapshot {dir}/gone/missing.json: no such file (the directory {dir}/gone does not exist)" },
        { ["plan", "--snapshot", "{demo}", "--policy", "{dir}"], "error: --policy {dir}: is a directory, not a file" },
        { ["plan", "--snapshot", "{demo}", "--policy", "{dir}/policy.yaml"], "error: --policy {dir}/policy.yaml: no such file" },
        { ["explain", "shop/x", "--snapshot", "{dir}"], "error: --snapshot {dir}: is a directory, not a file" },
        { ["snapshot", "--from", "{dir}", "-o", "{dir}/out.rbsnap"], "error: --from {dir}: is a directory, not a file" },
        { ["snapshot", "--from", "{dir}/missing.json", "-o", "{dir}/out.rbsnap"], "error: --from {dir}/missing.json: no such file" },
    };

    private string[] Expand(string[] args) => [.. args.Select(Expand)];

    private string Expand(string text) => text.Replace("{dir}", _directory, StringComparison.Ordinal).Replace("{demo}", CliRunner.DemoSnapshot, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_file_that_is_missing_or_a_directory_is_named_with_its_option(string[] args, string message)
    {
        (int code, string output, string error) = await CliRunner.RunAsync(Expand(args));

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(Expand(message), error, StringComparison.Ordinal);
        Assert.DoesNotContain("Access to the path", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_file_from_the_environment_is_named_by_its_variable()
    {
        (int code, _, string error) = await CliRunner.RunAsync(["plan"], services: null, new Dictionary<string, string?> { ["REBALANCER_SNAPSHOT"] = _directory });

        Assert.Equal(2, code);
        Assert.Contains($"error: REBALANCER_SNAPSHOT {_directory}: is a directory, not a file", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("explain")]
    public async Task The_snapshot_and_the_policy_cannot_both_read_standard_input(string command)
    {
        string[] args = command == "plan" ? ["plan", "--snapshot", "-", "--policy", "-"] : ["explain", "shop/x", "--snapshot", "-", "--policy", "-"];

        (int code, _, string error) = await CliRunner.RunAsync(args, await File.ReadAllTextAsync(CliRunner.DemoSnapshot));

        Assert.Equal(2, code);
        Assert.Contains("error: --snapshot - and --policy -: standard input can be read only once; give one of them as a file", error, StringComparison.Ordinal);
        Assert.DoesNotContain("no JSON document", error, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> NotPolicies => new()
    {
        { "demo", "the file is a Kubernetes List (apiVersion v1): a snapshot, not a DeschedulerPolicy (descheduler/v1alpha2); a snapshot is given with --snapshot, a DeschedulerPolicy with --policy" },
        { "gzip", "the file is gzip-compressed (a compressed snapshot?)" },
        { "yaml-list", "the file is a Kubernetes List (apiVersion v1): a snapshot" },
        { "pod-list", "the file is a Kubernetes PodList (apiVersion v1): a snapshot" },
        { "configmap", "the file is a Kubernetes ConfigMap (apiVersion v1), not a DeschedulerPolicy (descheduler/v1alpha2); give the policy it holds (its data value) with --policy" },
    };

    [Theory]
    [MemberData(nameof(NotPolicies))]
    public async Task A_snapshot_or_another_object_given_as_the_policy_is_named_as_such(string kind, string message)
    {
        string policy = Path.Combine(_directory, "policy-" + kind);
        switch (kind)
        {
            case "demo":
                File.Copy(CliRunner.DemoSnapshot, policy);
                break;
            case "gzip":
                await using (var gzip = new GZipStream(File.Create(policy), CompressionLevel.Fastest))
                {
                    await gzip.WriteAsync(await File.ReadAllBytesAsync(CliRunner.DemoSnapshot));
                }

                break;
            case "yaml-list":
                await File.WriteAllTextAsync(policy, "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: a}\nkind: List\nmetadata: {}\n");
                break;
            case "pod-list":
                await File.WriteAllTextAsync(policy, """{"apiVersion": "v1", "items": [], "kind": "PodList", "metadata": {}}""");
                break;
            default:
                await File.WriteAllTextAsync(policy, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rebalancer-policy}\ndata:\n  policy.yaml: |\n    apiVersion: descheduler/v1alpha2\n");
                break;
        }

        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", policy]);

        Assert.Equal(2, code);
        Assert.Contains(policy + ": 1 problem:", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.DoesNotContain("aliases", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_with_a_wrong_kind_is_still_the_binders_to_explain()
    {
        string policy = Path.Combine(_directory, "policy.yaml");
        await File.WriteAllTextAsync(policy, "apiVersion: descheduler/v1alpha2\nkind: DeschedulerPolicies\nprofiles: []\n");

        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", policy]);

        Assert.Equal(2, code);
        Assert.Contains("kind: 'DeschedulerPolicies' is not supported; use DeschedulerPolicy", error, StringComparison.Ordinal);
        Assert.Contains("profiles: at least one profile is required", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "run", "--dry-run", "--dry-run=server" }, "--dry-run: given 2 times; give it once")]
    [InlineData(new[] { "run", "--dry-run=server", "--dry-run" }, "--dry-run: given 2 times; give it once")]
    [InlineData(new[] { "plan", "--snapshot", "a.json", "--trace-console", "--trace-console" }, "--trace-console: given 2 times; give it once")]
    [InlineData(new[] { "snapshot", "-o", "a.json", "--create-dirs", "--create-dirs" }, "--create-dirs: given 2 times; give it once")]

    // Options that take one value: System.CommandLine says so itself.
    [InlineData(new[] { "run", "--dry-run=client", "--dry-run=server" }, "Option '--dry-run' expects a single argument but 2 were provided")]
    [InlineData(new[] { "plan", "--snapshot", "a.json", "--snapshot", "b.json" }, "Option '--snapshot' expects a single argument but 2 were provided")]
    [InlineData(new[] { "snapshot", "-o", "a.json", "--out", "b.json" }, "Option '-o' expects a single argument but 2 were provided")]
    public async Task An_option_given_twice_is_an_error_not_last_one_wins(string[] args, string message)
    {
        (int code, string output, string error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("error: " + message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-06-02", "'2025-06-02' is a date without a time; use an RFC 3339 time with a zone, e.g. 2026-11-27T10:00:00Z")]
    [InlineData("2025-06-02 09:00", "'2025-06-02 09:00' has no zone (add Z for UTC, or an offset such as +01:00)")]
    [InlineData("2025-06-02T09:00:00", "'2025-06-02T09:00:00' has no zone")]
    [InlineData("yesterday", "'yesterday' is not an RFC 3339 time")]
    [InlineData("06/02/2025 09:00:00 +00:00", "is not an RFC 3339 time")]
    [InlineData("2025-06-31T09:00:00Z", "is not an RFC 3339 time")]
    public async Task The_clock_must_be_an_RFC_3339_time_with_a_zone(string now, string message)
    {
        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--now", now]);
        (int explainCode, _, string explainError) = await CliRunner.RunAsync(["explain", "shop/x", "--snapshot", CliRunner.DemoSnapshot, "--now", now]);

        Assert.Equal(2, code);
        Assert.Contains($"error: --now: '{now}' ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Equal(2, explainCode);
        Assert.Contains(message, explainError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-27T11:00:00+01:00", "2026-11-27T10:00:00Z")]
    [InlineData("2026-11-27t10:00:00.5z", "2026-11-27T10:00:00.5Z")]
    public async Task An_RFC_3339_time_with_an_offset_is_taken_in_UTC(string now, string expected)
    {
        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--now", now]);

        Assert.True(code == 0, error);
        Assert.Equal(expected, JsonDocument.Parse(output).RootElement.GetProperty("metadata").GetProperty("now").GetString());
    }

    [Fact]
    public async Task A_clock_earlier_than_the_snapshot_is_a_warning_in_the_report()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--now", "2020-01-01T00:00:00Z"]);
        (int textCode, string text, _) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--now", "2020-01-01T00:00:00Z"]);
        (_, string current, _) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--now", Now]);

        Assert.True(code == 0, error);
        Assert.Equal(0, textCode);
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement warning = Assert.Single(report.RootElement.GetProperty("warnings").EnumerateArray(), w => w.TryGetProperty("source", out JsonElement s) && s.GetString() == "clock");
        Assert.StartsWith("--now 2020-01-01T00:00:00Z is earlier than every object of the snapshot (the oldest was created ", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, warning.GetProperty("plugin").ValueKind);
        Assert.Equal(report.RootElement.GetProperty("warnings").GetArrayLength(), report.RootElement.GetProperty("summary").GetProperty("warnings").GetInt32());
        Assert.Contains("ClockWarning", error, StringComparison.Ordinal);
        Assert.Contains("! [clock] --now 2020-01-01T00:00:00Z is earlier than every object of the snapshot", text, StringComparison.Ordinal);
        Assert.DoesNotContain(JsonDocument.Parse(current).RootElement.GetProperty("warnings").EnumerateArray(), w => w.TryGetProperty("source", out _));
    }

    [Fact]
    public async Task A_snapshot_warning_names_its_file_once_and_is_in_every_report_format()
    {
        string snapshot = Path.Combine(_directory, "with-configmap.json");
        await File.WriteAllTextAsync(snapshot, """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n-0"}, "status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}, "conditions": [{"type": "Ready", "status": "True"}]}},
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"}, "data": {}}
            ]}
            """);
        string expected = $"{snapshot}: skipped 1 object of unsupported kind ConfigMap";

        (int code, string json, string error) = await CliRunner.RunAsync(["plan", "--snapshot", snapshot, "--output", "json", "--now", Now]);

        Assert.True(code == 0, error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain($"{snapshot}: {snapshot}", error, StringComparison.Ordinal);
        JsonElement warning = Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("warnings").EnumerateArray(), w => w.TryGetProperty("source", out _));
        Assert.Equal("snapshot", warning.GetProperty("source").GetString());
        Assert.Equal(expected, warning.GetProperty("message").GetString());
        foreach ((string format, string line) in new[] { ("text", $"[snapshot] {expected}"), ("markdown", $"**snapshot**: {expected}"), ("html", $"<b>snapshot</b>: {expected}") })
        {
            (int formatCode, string output, _) = await CliRunner.RunAsync(["plan", "--snapshot", snapshot, "--output", format, "--now", Now]);
            Assert.Equal(0, formatCode);
            Assert.Contains(line, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_piped_text_report_keeps_every_node_name_and_reason_on_one_line()
    {
        (_, string json, _) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now]);
        (int code, string text, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--now", Now]);

        Assert.True(code == 0, error);
        string[] lines = text.Split('\n');
        foreach (JsonElement eviction in JsonDocument.Parse(json).RootElement.GetProperty("evictions").EnumerateArray())
        {
            string pod = eviction.GetProperty("namespace").GetString() + "/" + eviction.GetProperty("name").GetString();
            string move = eviction.GetProperty("node").GetString() + " → " + eviction.GetProperty("targetNode").GetString();
            Assert.Contains(lines, l => l.Contains(pod, StringComparison.Ordinal) && l.Contains(move, StringComparison.Ordinal));
        }

        // Every row of the evictions table is one line: no cell continues on the next.
        Assert.DoesNotContain(lines, l => ContinuationRow().IsMatch(l));
    }

    [Fact]
    public async Task Explain_numbers_its_steps_and_evictions_as_its_json_and_the_plan_report_do()
    {
        (_, string planJson, _) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now]);
        (_, string planText, _) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--now", Now]);
        JsonElement[] evictions = [.. JsonDocument.Parse(planJson).RootElement.GetProperty("evictions").EnumerateArray()];
        int index = evictions.Length - 1;
        string pod = evictions[index].GetProperty("namespace").GetString() + "/" + evictions[index].GetProperty("name").GetString();

        (int code, string json, string error) = await CliRunner.RunAsync(["explain", pod, "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", Now]);
        (_, string text, _) = await CliRunner.RunAsync(["explain", pod, "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--now", Now]);

        Assert.True(code == 0, error);
        JsonElement evicted = Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("decisions").EnumerateArray(), d => d.GetProperty("decision").GetString() == "Evicted");
        Assert.Equal(index, evicted.GetProperty("evictionIndex").GetInt32());
        Assert.Equal(index + 1, evicted.GetProperty("evictionNumber").GetInt32());
        int step = evicted.GetProperty("step").GetInt32();
        Assert.Equal(evicted.GetProperty("sequence").GetInt32() + 1, step);
        Assert.Contains($"#{step} ", text, StringComparison.Ordinal);
        Assert.Contains($"Evicted #{index + 1}: ", text, StringComparison.Ordinal);
        Assert.Contains($"(eviction {index + 1} of {evictions.Length}, ", text, StringComparison.Ordinal);

        // The plan report's row of that eviction carries the same number.
        Assert.Contains(planText.Split('\n'), l => Regex.IsMatch(l, $@"^\W*{index + 1}\W.*{Regex.Escape(pod)}", RegexOptions.CultureInvariant));
    }

    // A table row whose first cells are empty: the continuation of a wrapped row.
    [GeneratedRegex(@"^│\s+│\s+│", RegexOptions.CultureInvariant)]
    private static partial Regex ContinuationRow();
}
