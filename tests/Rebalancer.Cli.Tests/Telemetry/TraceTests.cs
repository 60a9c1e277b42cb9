using System.Diagnostics;
using System.Text.Json;
using OpenTelemetry.Metrics;
using Rebalancer.Kubernetes.Telemetry;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests.Telemetry;

/// <summary>Spans, links, attributes and metrics of whole runs, caught by the in-memory exporters (docs/telemetry.md).</summary>
[Collection(TelemetryCollection.Name)]
public sealed class TraceTests : IDisposable
{
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";
    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-otel-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task TraceConsole_Should_DrawTheTreeOfDocsTelemetry_WithTheLoadUnderTheRun()
    {
        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--trace-console"]);

        Assert.True(code == 0, error);
        string[] spans = [.. error.Split('\n').Where(l => l.TrimStart().StartsWith("span ", StringComparison.Ordinal))];
        Assert.Contains(spans, l => l.StartsWith("span rebalancer.run ", StringComparison.Ordinal));
        Assert.Contains(spans, l => l.StartsWith("  span snapshot.load ", StringComparison.Ordinal));
        Assert.Contains(spans, l => l.StartsWith("  span plan ", StringComparison.Ordinal));
        Assert.Contains(spans, l => l.StartsWith("    span plan.plugin ", StringComparison.Ordinal));
        Assert.DoesNotContain(spans, l => l.StartsWith("span snapshot.load ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plan_Should_TraceLoadPlanAndEachPlugin_And_RecordPlanMetrics()
    {
        var telemetry = new TelemetryCapture();

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json", "--now", "2026-11-27T10:00:00Z"],
            telemetry.Configure);

        Assert.True(code == 0, error);
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement metadata = report.RootElement.GetProperty("metadata");
        JsonElement[] evictions = [.. report.RootElement.GetProperty("evictions").EnumerateArray()];

        Activity root = telemetry.Root;
        Assert.Equal(default, root.ParentSpanId);
        Assert.Equal("plan", root.GetTagItem(SpanAttributes.Mode));
        Assert.Equal(CliRunner.DemoSnapshot, root.GetTagItem(SpanAttributes.SnapshotFile));
        Assert.Equal(metadata.GetProperty("policyDigest").GetString(), root.GetTagItem(SpanAttributes.PolicyDigest));
        Assert.Equal(evictions.Length, root.GetTagItem(SpanAttributes.EvictionsPlanned));
        Assert.Equal(0, root.GetTagItem(SpanAttributes.ExitCode));
        Assert.Equal(ActivityStatusCode.Unset, root.Status);

        Activity load = Assert.Single(telemetry.ChildrenOf(root), s => s.OperationName == SpanNames.SnapshotLoad);
        Assert.True((long)load.GetTagItem(SpanAttributes.Bytes)! > 0);
        // The file was read while the host started (SnapshotPrefetch): the span keeps the load's own start and length,
        // inside the run span, which starts with the command (docs/telemetry.md), and its parent is the run span object
        // itself, which the console exporter's tree follows.
        Assert.True(load.StartTimeUtc >= root.StartTimeUtc, $"load started {load.StartTimeUtc:O}, run {root.StartTimeUtc:O}");
        Assert.True(load.StartTimeUtc + load.Duration <= root.StartTimeUtc + root.Duration);
        Assert.Same(root, load.Parent);
        Assert.True(load.Duration > TimeSpan.Zero);
        Activity plan = Assert.Single(telemetry.ChildrenOf(root), s => s.OperationName == SpanNames.Plan);
        Assert.Equal(50, plan.GetTagItem(SpanAttributes.NodesConsidered));

        // One child per plugin run, in run order, whose counts add up to the report's.
        Activity[] plugins = [.. telemetry.ChildrenOf(plan).OrderBy(s => s.StartTimeUtc)];
        Assert.NotEmpty(plugins);
        Assert.All(plugins, p => Assert.Equal(SpanNames.Plugin, p.OperationName));
        Assert.Equal(evictions.Length, plugins.Sum(p => (int)p.GetTagItem(SpanAttributes.EvictionsProposed)!));
        foreach (var byPlugin in evictions.GroupBy(e => e.GetProperty("plugin").GetString()))
        {
            Activity span = Assert.Single(plugins, p => (string?)p.GetTagItem(SpanAttributes.Plugin) == byPlugin.Key);
            Assert.Equal(byPlugin.Count(), span.GetTagItem(SpanAttributes.EvictionsProposed));
        }

        int skipped = report.RootElement.GetProperty("skipped").GetArrayLength();
        Assert.Equal(skipped, plugins.Sum(p => ((string[])p.GetTagItem(SpanAttributes.SkipsByReason)!).Sum(r => int.Parse(r[(r.LastIndexOf('=') + 1)..], System.Globalization.CultureInfo.InvariantCulture))));
        Activity? spot = plugins.SingleOrDefault(p => (string?)p.GetTagItem(SpanAttributes.Plugin) == "SpotRatio");
        if (spot is not null)
        {
            Assert.IsType<double>(spot.GetTagItem(SpanAttributes.SpotFractionBefore));
            Assert.IsType<double>(spot.GetTagItem(SpanAttributes.SpotFractionAfter));
        }

        // Metrics: planned evictions by plugin, what was considered, how long planning took, the N-1 verdicts.
        MetricSnapshot counted = telemetry.Metric("rebalancer.evictions");
        Assert.Equal(evictions.Length, counted.MetricPoints.Sum(p => p.GetSumLong()));
        Assert.All(counted.MetricPoints, p => Assert.Equal("Planned", TelemetryCapture.Tag(p, SpanAttributes.Outcome)));
        Assert.Equal(50, Assert.Single(telemetry.Metric("rebalancer.nodes.considered").MetricPoints).GetGaugeLastValueLong());
        Assert.True(Assert.Single(telemetry.Metric("rebalancer.pods.considered").MetricPoints).GetGaugeLastValueLong() > 0);
        Assert.Equal(1, Assert.Single(telemetry.Metric("rebalancer.plan.duration").MetricPoints).GetHistogramCount());
        Assert.Contains(telemetry.Metric("rebalancer.headroom.n_minus_one").MetricPoints, p => (string?)TelemetryCapture.Tag(p, "rebalancer.phase") == "after");
    }

    [Fact]
    public async Task Run_Should_TraceEachEvictionWithItsOutcome_And_LinkItToThePluginThatProposedIt()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        // The second eviction finds its pod gone (404), the fourth is forbidden (403, not retried): three outcomes in one run.
        server.Faults.Add(new FaultRule { Kind = FaultKind.Status, StatusCode = 404, Reason = "NotFound", Method = "POST", PathPattern = EvictionPath, Skip = 1, Times = 1 });
        server.Faults.Add(new FaultRule { Kind = FaultKind.Status, StatusCode = 403, Reason = "Forbidden", Method = "POST", PathPattern = EvictionPath, Skip = 3, Times = 1 });
        var telemetry = new TelemetryCapture();

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo"), "--policy", CliRunner.DemoPolicy,
             "--output", "json", "--max-evictions-per-second", "1000", "--max-concurrency", "1"],
            telemetry.Configure);

        Assert.True(code == 0, error); // blocked or failed evictions still make a completed run
        JsonElement[] evictions = [.. JsonDocument.Parse(output).RootElement.GetProperty("evictions").EnumerateArray()];
        string[] outcomes = [.. evictions.Select(e => e.GetProperty("outcome").GetString()!)];
        Assert.Contains("Evicted", outcomes);
        Assert.Contains("NotFound", outcomes);
        Assert.Contains("Failed", outcomes);

        Activity root = telemetry.Root;
        Assert.Equal("run", root.GetTagItem(SpanAttributes.Mode));
        Assert.Equal("demo", root.GetTagItem(SpanAttributes.Context));
        Assert.Equal(outcomes.Count(o => o == "Evicted"), root.GetTagItem(SpanAttributes.EvictionsByOutcomePrefix + "Evicted"));

        // The read: one span, a child per list with its pages and objects.
        Activity read = Assert.Single(telemetry.ChildrenOf(root), s => s.OperationName == SpanNames.SnapshotRead);
        Activity pods = Assert.Single(telemetry.ChildrenOf(read), s => (string?)s.GetTagItem(SpanAttributes.Resource) == "pods");
        Assert.True((int)pods.GetTagItem(SpanAttributes.Pages)! >= 1);
        Assert.True((long)pods.GetTagItem(SpanAttributes.Objects)! > 0);
        Assert.Contains(telemetry.ChildrenOf(read), s => (string?)s.GetTagItem(SpanAttributes.Resource) == "nodes");

        Activity[] plugins = [.. telemetry.Named(SpanNames.Plugin)];
        Activity[] evicts = [.. telemetry.ChildrenOf(root).Where(s => s.OperationName == SpanNames.Evict)];
        Assert.Equal(evictions.Length, evicts.Length);
        foreach (JsonElement eviction in evictions)
        {
            string ns = eviction.GetProperty("namespace").GetString()!;
            string name = eviction.GetProperty("name").GetString()!;
            Activity span = Assert.Single(evicts, s => (string?)s.GetTagItem(SpanAttributes.PodName) == name && (string?)s.GetTagItem(SpanAttributes.NamespaceName) == ns);
            Assert.Equal(eviction.GetProperty("node").GetString(), span.GetTagItem(SpanAttributes.NodeName));
            Assert.Equal(eviction.GetProperty("plugin").GetString(), span.GetTagItem(SpanAttributes.Plugin));
            Assert.Equal(eviction.GetProperty("outcome").GetString(), span.GetTagItem(SpanAttributes.Outcome));
            Assert.Equal(eviction.GetProperty("attempts").GetInt32(), span.GetTagItem(SpanAttributes.Attempts));
            int expectedStatus = eviction.GetProperty("outcome").GetString() switch { "Evicted" => 201, "NotFound" => 404, _ => 403 };
            Assert.Equal(expectedStatus, span.GetTagItem(SpanAttributes.HttpStatusCode));
            Assert.Equal(eviction.GetProperty("outcome").GetString() == "Failed" ? ActivityStatusCode.Error : ActivityStatusCode.Unset, span.Status);

            // Linked to the span of the plugin run that proposed it.
            ActivityLink link = Assert.Single(span.Links);
            Activity proposer = Assert.Single(plugins, p => p.SpanId == link.Context.SpanId);
            Assert.Equal(eviction.GetProperty("plugin").GetString(), proposer.GetTagItem(SpanAttributes.Plugin));
        }

        // Metrics: evictions by plugin and outcome match the report.
        MetricSnapshot counted = telemetry.Metric("rebalancer.evictions");
        foreach (var byOutcome in outcomes.GroupBy(o => o))
        {
            Assert.Equal(byOutcome.Count(), counted.MetricPoints.Where(p => (string?)TelemetryCapture.Tag(p, SpanAttributes.Outcome) == byOutcome.Key).Sum(p => p.GetSumLong()));
        }

        Assert.All(counted.MetricPoints, p => Assert.Equal("run", TelemetryCapture.Tag(p, SpanAttributes.Mode)));
    }

    [Fact]
    public async Task Run_Should_RecordTheErrorOnItsSpans_And_StillExport_When_TheClusterCannotBeRead()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        server.Faults.FailWith(403, "GET", "/api/v1/pods", reason: "Forbidden");
        var telemetry = new TelemetryCapture();

        (int code, _, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo")], telemetry.Configure);

        Assert.Equal(1, code);
        Assert.Contains("reading pods, page 1", error, StringComparison.Ordinal);
        Activity root = telemetry.Root;
        Assert.Equal(ActivityStatusCode.Error, root.Status);
        Assert.Contains("reading pods, page 1", root.StatusDescription, StringComparison.Ordinal);
        Assert.Equal(1, root.GetTagItem(SpanAttributes.ExitCode));
        Activity read = Assert.Single(telemetry.ChildrenOf(root), s => s.OperationName == SpanNames.SnapshotRead);
        Assert.Equal(ActivityStatusCode.Error, read.Status);
        Activity pods = Assert.Single(telemetry.ChildrenOf(read), s => (string?)s.GetTagItem(SpanAttributes.Resource) == "pods");
        Assert.Equal(ActivityStatusCode.Error, pods.Status);
        Assert.Contains(pods.Events, e => e.Name == "exception");
        Assert.Empty(telemetry.Named(SpanNames.Plan));
        Assert.Empty(telemetry.Named(SpanNames.Evict));
    }
}
