using System.Diagnostics;
using System.Text.Json;
using OpenTelemetry.Metrics;
using Rebalancer.Kubernetes.Telemetry;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Cli.Tests.Telemetry;

/// <summary>The host around every command: exit codes, configuration from options and environment, cancellation.</summary>
[Collection(TelemetryCollection.Name)]
public sealed class HostTests : IDisposable
{
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";
    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-host-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Kubeconfig(TestApiServer server) => server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");

    [Fact]
    public async Task Plan_Should_SayTheExportFailed_And_HowLongItTook_When_TheCollectorIsUnreachable()
    {
        // A port nothing listens on: connections are refused at once, long before the 5 s flush budget.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var environment = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        var clock = Stopwatch.StartNew();

        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json"], services: null, environment);

        Assert.True(code == 0, error);
        string line = Assert.Single(error.Split('\n'), l => l.Contains("\"TelemetryExportFailed\"", StringComparison.Ordinal));
        Assert.Contains($"telemetry export to http://127.0.0.1:{port} failed after ", line, StringComparison.Ordinal);
        Assert.Contains("Connection refused", line, StringComparison.Ordinal);
        Assert.DoesNotContain("within 5000 ms", error, StringComparison.Ordinal);
        long reported = JsonDocument.Parse(line).RootElement.GetProperty("state").GetProperty("ElapsedMs").GetInt64();
        Assert.InRange(reported, 0, clock.ElapsedMilliseconds);
    }

    [Fact]
    public async Task Run_Should_Exit0_When_SomeEvictionsFail_ButTheRunCompletes()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        server.Faults.FailWith(404, "POST", EvictionPath, times: 2, reason: "NotFound");

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--max-evictions-per-second", "1000"], services: null);

        Assert.True(code == 0, error);
        string[] outcomes = [.. JsonDocument.Parse(output).RootElement.GetProperty("evictions").EnumerateArray().Select(e => e.GetProperty("outcome").GetString()!)];
        Assert.Equal(2, outcomes.Count(o => o == "NotFound"));
        Assert.Contains("Evicted", outcomes);
    }

    [Fact]
    public async Task Run_Should_Exit2WithEveryProblemAtOnce_When_TheConfigurationIsInvalid()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        string policy = Path.Combine(_directory, "missing-policy.yaml");
        var environment = new Dictionary<string, string?>
        {
            ["REBALANCER_PAGE_SIZE"] = "lots",
            ["REBALANCER_DRY_RUN"] = "maybe",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "udp",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "collector:4318",
        };

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", policy, "--max-concurrency", "0"], services: null, environment);

        Assert.Equal(2, code);
        Assert.Empty(output);
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.StartsWith("error: ", line, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("REBALANCER_PAGE_SIZE: 'lots' is not an integer", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("REBALANCER_DRY_RUN: 'maybe' is not one of client, server", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("--max-concurrency: must be at least 1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"--policy {policy}: no such file", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("OTEL_EXPORTER_OTLP_PROTOCOL: 'udp'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318'", StringComparison.Ordinal));
        Assert.Empty(server.Journal.Entries); // validated before connecting: nothing was asked of the cluster
    }

    [Fact]
    public async Task Plan_Should_TakeSettingsFromTheEnvironment_AndLetTheCommandLineWin()
    {
        var environment = new Dictionary<string, string?>
        {
            ["REBALANCER_SNAPSHOT"] = CliRunner.DemoSnapshot,
            ["REBALANCER_OUTPUT"] = "markdown",
            ["REBALANCER_NOW"] = "2026-11-27T10:00:00Z",
        };

        (int code, string output, string error) = await CliRunner.RunAsync(["plan", "--output", "json"], services: null, environment);

        Assert.True(code == 0, error);
        using JsonDocument report = JsonDocument.Parse(output); // --output json beat REBALANCER_OUTPUT=markdown
        Assert.Equal(CliRunner.DemoSnapshot, report.RootElement.GetProperty("metadata").GetProperty("source").GetString());
        Assert.Equal("2026-11-27T10:00:00Z", report.RootElement.GetProperty("metadata").GetProperty("now").GetString());
    }

    [Fact]
    public async Task Run_Should_LogJsonLinesWithStableEventIds_When_StandardErrorIsNotATerminal()
    {
        (int code, _, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--output", "json", "--now", "2026-11-27T10:00:00Z"], services: null);

        Assert.True(code == 0, error);
        JsonElement[] events = [.. error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement)];
        JsonElement planned = Assert.Single(events, e => e.GetProperty("eventName").GetString() == "PlanCreated");
        Assert.Equal(20, planned.GetProperty("eventId").GetInt32());
        Assert.Equal("Information", planned.GetProperty("level").GetString());
        Assert.True(planned.GetProperty("state").GetProperty("Evictions").GetInt32() > 0);
        Assert.Contains(events, e => e.GetProperty("eventId").GetInt32() == 10); // SnapshotLoaded
    }

    [Fact]
    public async Task Run_Should_StopBetweenEvictions_WriteTheReport_AndFlushTelemetry_When_Cancelled()
    {
        await using TestApiServer server = await RunCommandTests.StartDemoAsync();
        server.Faults.Delay(TimeSpan.FromMilliseconds(200), "POST", EvictionPath);
        var telemetry = new TelemetryCapture();
        using var sigterm = new CancellationTokenSource();

        // What Program.cs does on SIGTERM: cancel the run's token. Here, once two evictions have been sent.
        Task<(int, string, string)> run = CliRunner.RunAsync(
            ["run", "--kubeconfig", Kubeconfig(server), "--policy", CliRunner.DemoPolicy, "--output", "json", "--max-evictions-per-second", "1000", "--max-concurrency", "1"],
            telemetry.Configure, cancellationToken: sigterm.Token);
        while (!run.IsCompleted && server.Journal.Count("POST", EvictionPath) < 2)
        {
            await Task.Delay(20);
        }

        await sigterm.CancelAsync();
        (int code, string output, string error) = await run;

        Assert.Equal(1, code);
        Assert.Contains("cancelled", error, StringComparison.Ordinal);
        JsonElement[] evictions = [.. JsonDocument.Parse(output).RootElement.GetProperty("evictions").EnumerateArray()];
        int sent = server.Journal.Count("POST", EvictionPath);
        Assert.InRange(sent, 2, 3); // the request in flight completes; no new one starts
        Assert.Equal(sent, evictions.Count(e => e.GetProperty("outcome").GetString() == "Evicted"));
        Assert.Equal(evictions.Length - sent, evictions.Count(e => e.GetProperty("outcome").GetString() == "NotAttempted"));

        // Flushed before returning: the root span with the cancellation, one span per eviction sent, the metrics.
        Activity root = telemetry.Root;
        Assert.Equal(ActivityStatusCode.Error, root.Status);
        Assert.Equal("cancelled", root.StatusDescription);
        Assert.Equal(sent, telemetry.Named(SpanNames.Evict).Count());
        MetricSnapshot counted = telemetry.Metric("rebalancer.evictions");
        Assert.Equal(evictions.Length - sent, counted.MetricPoints.Where(p => (string?)TelemetryCapture.Tag(p, SpanAttributes.Outcome) == "NotAttempted").Sum(p => p.GetSumLong()));
    }
}
