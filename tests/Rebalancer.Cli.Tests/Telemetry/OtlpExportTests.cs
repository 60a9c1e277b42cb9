using System.Diagnostics;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Tests.Telemetry;

/// <summary>
/// The real <c>rebalancer</c> process, configured only by OTEL_* variables, exports over OTLP/HTTP to a receiver on
/// loopback; the batch and metric intervals are a minute, so what arrives was flushed when the process exited.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task Plan_Should_ExportItsSpanTreeAndMetrics_BeforeTheProcessExits()
    {
        using var receiver = new OtlpReceiver();

        (int code, string output, string error) = await RunProcessAsync(receiver, "plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--output", "json");

        Assert.True(code == 0, error);
        Assert.StartsWith("{", output.TrimStart(), StringComparison.Ordinal); // standard output is the report only
        Assert.All(receiver.Requests, r => Assert.Equal("application/x-protobuf", r.ContentType));
        (List<OtlpProto.Span> spans, Dictionary<string, object> resource) = Traces(receiver);
        Assert.Equal("rebalancer-otlp-test", resource["service.name"]);
        Assert.Equal("ci", resource["deployment.environment"]);

        OtlpProto.Span root = Assert.Single(spans, s => s.Name == SpanNames.Run);
        Assert.Equal(string.Empty, root.ParentSpanId);
        Assert.Equal("plan", root.Attributes[SpanAttributes.Mode]);
        Assert.Equal(0L, root.Attributes[SpanAttributes.ExitCode]);
        Assert.All(spans, s => Assert.Equal(root.TraceId, s.TraceId));
        OtlpProto.Span load = Assert.Single(spans, s => s.Name == SpanNames.SnapshotLoad);
        Assert.Equal(root.SpanId, load.ParentSpanId);
        OtlpProto.Span plan = Assert.Single(spans, s => s.Name == SpanNames.Plan);
        Assert.Equal(root.SpanId, plan.ParentSpanId);
        OtlpProto.Span[] plugins = [.. spans.Where(s => s.Name == SpanNames.Plugin)];
        Assert.NotEmpty(plugins);
        Assert.All(plugins, p => Assert.Equal(plan.SpanId, p.ParentSpanId));
        Assert.Contains(plugins, p => (string)p.Attributes[SpanAttributes.Plugin] == "RemoveDuplicates");
        Assert.Equal(root.Attributes[SpanAttributes.EvictionsPlanned], plugins.Sum(p => (long)p.Attributes[SpanAttributes.EvictionsProposed]));

        List<string> metrics = [.. receiver.Bodies("/v1/metrics").SelectMany(OtlpProto.DecodeMetricNames)];
        Assert.Contains("rebalancer.evictions", metrics);
        Assert.Contains("rebalancer.plan.duration", metrics);
        Assert.Contains("rebalancer.nodes.considered", metrics);
    }

    [Fact]
    public async Task Plan_Should_ExportTheFailedRun_When_TheSnapshotIsMalformed()
    {
        using var receiver = new OtlpReceiver();
        string snapshot = Path.Combine(Directory.CreateTempSubdirectory("rebalancer-otlp-").FullName, "bad.json");
        await File.WriteAllTextAsync(snapshot, """{"apiVersion":"v1","kind":"List","items":[""");

        (int code, _, string error) = await RunProcessAsync(receiver, "plan", "--snapshot", snapshot);

        Assert.Equal(2, code);
        Assert.Contains("bad.json", error, StringComparison.Ordinal);
        (List<OtlpProto.Span> spans, _) = Traces(receiver);
        OtlpProto.Span root = Assert.Single(spans, s => s.Name == SpanNames.Run);
        Assert.Equal(2, root.StatusCode); // STATUS_CODE_ERROR
        Assert.Equal(2L, root.Attributes[SpanAttributes.ExitCode]);
        OtlpProto.Span load = Assert.Single(spans, s => s.Name == SpanNames.SnapshotLoad);
        Assert.Equal(2, load.StatusCode);
        Directory.Delete(Path.GetDirectoryName(snapshot)!, recursive: true);
    }

    private static (List<OtlpProto.Span>, Dictionary<string, object>) Traces(OtlpReceiver receiver)
    {
        var spans = new List<OtlpProto.Span>();
        var resource = new Dictionary<string, object>();
        foreach (byte[] body in receiver.Bodies("/v1/traces"))
        {
            (List<OtlpProto.Span> s, Dictionary<string, object> r) = OtlpProto.DecodeTraces(body);
            spans.AddRange(s);
            foreach ((string key, object value) in r)
            {
                resource[key] = value;
            }
        }

        Assert.True(spans.Count > 0, $"no spans arrived; requests: {string.Join(", ", receiver.Requests.Select(r => r.Path))}");
        return (spans, resource);
    }

    private static async Task<(int Code, string Out, string Error)> RunProcessAsync(OtlpReceiver receiver, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliRunner.CliAssembly());
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (string variable in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal) || k.StartsWith("REBALANCER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }

        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint;
        start.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        start.Environment["OTEL_SERVICE_NAME"] = "rebalancer-otlp-test";
        start.Environment["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=ci";

        // Nothing is exported on a timer within the run: only the flush at exit can deliver it.
        start.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "60000";
        start.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "60000";

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
