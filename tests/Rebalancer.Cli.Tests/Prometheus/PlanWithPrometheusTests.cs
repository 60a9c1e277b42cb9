using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Rebalancer.Testing.ApiServer;
using Rebalancer.Testing.Prometheus;

namespace Rebalancer.Cli.Tests.Prometheus;

/// <summary>
/// <c>plan</c>, <c>explain</c> and <c>run</c> with a real Prometheus (the demo cluster's two days of history): the usage
/// history line and its warnings, LowNodeUtilization's Prometheus source as the descheduler runs it, and what happens
/// when Prometheus is not there or a setting cannot be used.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class PlanWithPrometheusTests(PrometheusFixture prometheus) : IDisposable
{
    private const string Now = "2026-11-27T10:00:00Z";

    private readonly string _directory = Directory.CreateTempSubdirectory("rebalancer-prom-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [PrometheusFact]
    public async Task Plan_reads_the_history_reports_its_coverage_and_still_plans()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--now", Now, "--prometheus", prometheus.Url.AbsoluteUri, "--history", "2d", "--output", "json"]);

        Assert.True(code == 0, error);
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement usage = report.RootElement.GetProperty("usageHistory");
        Assert.Equal("2d", usage.GetProperty("window").GetString());
        Assert.Equal("5m", usage.GetProperty("step").GetString());
        Assert.Equal(prometheus.Dataset.Expected.Count, usage.GetProperty("containers").GetInt32());
        Assert.Equal(prometheus.Dataset.Expected.Count - 2, usage.GetProperty("containersInSnapshot").GetInt32()); // the canary and the departed pod are not in it
        Assert.Equal(2, usage.GetProperty("runningPodsWithoutSeries").GetInt32()); // analytics' two running pods
        Assert.True(usage.GetProperty("containersWithGaps").GetInt32() > 0); // the search namespace's 14-hour gap
        Assert.True(usage.GetProperty("oomKilledContainers").GetInt32() > 0);
        string[] warnings = [.. report.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("message").GetString()!)];
        Assert.Contains(warnings, w => w.Contains("2 of 338 running pods have no usage series", StringComparison.Ordinal) && w.Contains("analytics/", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("samples for less than 80%", StringComparison.Ordinal) && w.Contains("search/", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("NaN or ±Inf", StringComparison.Ordinal));
        Assert.NotEmpty(report.RootElement.GetProperty("evictions").EnumerateArray());
        Assert.Contains("usage history of", error, StringComparison.Ordinal); // the log line
    }

    [PrometheusFact]
    public async Task The_text_report_has_the_usage_history_line()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--now", Now, "--prometheus", prometheus.Url.AbsoluteUri, "--history", "6h"]);

        Assert.True(code == 0, error);
        Assert.Contains($"containers over 6h (step 5m) from {prometheus.Url.GetLeftPart(UriPartial.Authority)}", output, StringComparison.Ordinal);
    }

    [PrometheusTheory]
    [InlineData(null, 1)]
    [InlineData(2, 2)]
    public async Task LowNodeUtilization_with_a_Prometheus_query_evicts_as_the_descheduler_does(int? nodeLimit, int perNode)
    {
        string policy = WritePolicy($$"""
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            metricsProviders:
              - source: Prometheus
                prometheus:
                  url: {{prometheus.Url.AbsoluteUri}}
            profiles:
              - name: usage
                pluginConfig:
                  - name: LowNodeUtilization
                    args:
                      thresholds: {MetricResource: 30}
                      targetThresholds: {MetricResource: 60}
                      metricsUtilization:
                        source: Prometheus
                        prometheus:
                          query: {{HistoryDatasetOptions.NodeMetric}}
            {{(nodeLimit is int limit ? $"          evictionLimits: {{node: {limit}}}" : string.Empty)}}
                plugins:
                  balance:
                    enabled: [LowNodeUtilization]
            """);

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", policy, "--now", Now, "--history", "0", "--output", "json"]);

        Assert.True(code == 0, error);
        using JsonDocument report = JsonDocument.Parse(output);
        JsonElement[] evictions = [.. report.RootElement.GetProperty("evictions").EnumerateArray()];
        Assert.NotEmpty(evictions);
        Assert.False(report.RootElement.TryGetProperty("usageHistory", out _)); // --history 0: node values only

        // Overutilized: value × 100 above 60. Every eviction comes from one, at most perNode each, with the reason's numbers.
        var ratios = DemoHistory.Nodes(prometheus.Snapshot).ToDictionary(n => n.Name, n => n.Ratio);
        var bySource = evictions.GroupBy(e => e.GetProperty("node").GetString()!).ToList();
        Assert.All(bySource, group =>
        {
            Assert.True((long)(ratios[group.Key] * 100) > 60, $"{group.Key} ({ratios[group.Key]}) is not overutilized");
            Assert.InRange(group.Count(), 1, perNode);
            Assert.All(group, e => Assert.Contains(
                string.Create(CultureInfo.InvariantCulture, $"MetricResource {(long)(ratios[group.Key] * 100)}% > target 60%"), e.GetProperty("reason").GetString(), StringComparison.Ordinal));
        });
        Assert.Contains(bySource, g => g.Count() == perNode);
    }

    [Fact]
    public async Task An_unreachable_Prometheus_is_a_warning_and_the_rest_of_the_plan_runs()
    {
        string url = $"http://127.0.0.1:{ClosedPort()}/";

        (int code, string output, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", CliRunner.DemoPolicy, "--now", Now, "--prometheus", url, "--output", "json"]);

        Assert.True(code == 0, error);
        using JsonDocument report = JsonDocument.Parse(output);
        Assert.False(report.RootElement.TryGetProperty("usageHistory", out _));
        string[] warnings = [.. report.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("message").GetString()!)];
        string warning = Assert.Single(warnings, w => w.StartsWith("usage history:", StringComparison.Ordinal));
        Assert.Contains("could not be queried", warning, StringComparison.Ordinal);
        Assert.Contains("cannot reach", warning, StringComparison.Ordinal);
        Assert.NotEmpty(report.RootElement.GetProperty("evictions").EnumerateArray());
    }

    [Theory]
    [InlineData("--prometheus", "prometheus.monitoring:9090", "error: --prometheus: 'prometheus.monitoring:9090' is not an absolute http or https URL")]
    [InlineData("--history", "7x", "error: --history: '7x' is not a duration")]
    [InlineData("--history", "-1d", "error: --history: must not be negative")]
    [InlineData("--history", "1000d", "error: --history: 1000d is longer than the maximum 400d")]
    [InlineData("--prometheus-token-file", "/nonexistent/token", "error: --prometheus-token-file: cannot read the token file /nonexistent/token")]
    public async Task A_setting_that_cannot_be_used_is_invalid_input(string option, string value, string message)
    {
        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, option, value]);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_environment_variable_is_named_when_it_is_the_one_that_is_wrong()
    {
        (int code, _, string error) = await CliRunner.RunAsync(
            ["plan", "--snapshot", CliRunner.DemoSnapshot], null, new Dictionary<string, string?> { ["REBALANCER_PROMETHEUS"] = "ftp://p" });

        Assert.Equal(2, code);
        Assert.Contains("error: REBALANCER_PROMETHEUS: 'ftp://p' is not an absolute http or https URL", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Prometheus_source_without_a_Prometheus_is_invalid_input_naming_the_plugin()
    {
        string policy = WritePolicy("""
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            profiles:
              - name: usage
                pluginConfig:
                  - name: LowNodeUtilization
                    args:
                      thresholds: {MetricResource: 30}
                      targetThresholds: {MetricResource: 60}
                      metricsUtilization: {source: Prometheus, prometheus: {query: up}}
                plugins:
                  balance:
                    enabled: [LowNodeUtilization]
            """);

        (int code, _, string error) = await CliRunner.RunAsync(["plan", "--snapshot", CliRunner.DemoSnapshot, "--policy", policy]);

        Assert.Equal(2, code);
        Assert.Contains("error: profiles[0].pluginConfig[0]: LowNodeUtilization's metricsUtilization.source is Prometheus, and no Prometheus is configured", error, StringComparison.Ordinal);
    }

    [PrometheusFact]
    public async Task Explain_reads_the_same_Prometheus_inputs()
    {
        (int code, string output, string error) = await CliRunner.RunAsync(
            ["explain", "analytics/" + PodIn("analytics"), "--snapshot", CliRunner.DemoSnapshot, "--now", Now, "--prometheus", prometheus.Url.AbsoluteUri, "--history", "6h"]);

        Assert.True(code == 0, error);
        Assert.Contains("no usage series", output, StringComparison.Ordinal);
    }

    [PrometheusFact]
    public async Task Run_reads_the_token_from_the_policy_secret_through_the_cluster_and_a_missing_secret_is_invalid_input()
    {
        await using TestApiServer server = await TestApiServer.StartAsync(new TestApiServerOptions { SnapshotPath = CliRunner.DemoSnapshot });
        string kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"), "demo");
        string policy = WritePolicy($$"""
            apiVersion: descheduler/v1alpha2
            kind: DeschedulerPolicy
            metricsProviders:
              - source: Prometheus
                prometheus:
                  url: {{prometheus.Url.AbsoluteUri}}
                  authToken:
                    secretReference: {namespace: kube-system, name: prometheus-token}
            profiles:
              - name: p
                pluginConfig:
                  - name: RemoveDuplicates
                plugins:
                  balance:
                    enabled: [RemoveDuplicates]
            """);
        string[] args = ["run", "--dry-run", "--kubeconfig", kubeconfig, "--policy", policy, "--history", "6h", "--output", "json"];

        (int missingCode, _, string missingError) = await CliRunner.RunAsync(args);
        Assert.Equal(2, missingCode);
        Assert.Contains("error: metricsProviders[0].prometheus.authToken.secretReference: secret kube-system/prometheus-token not found", missingError, StringComparison.Ordinal);

        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "prometheus-token", NamespaceProperty = "kube-system" },
            Data = new Dictionary<string, byte[]> { ["prometheusAuthToken"] = Encoding.UTF8.GetBytes("token") },
        }, "kube-system");
        (int code, string output, string error) = await CliRunner.RunAsync(args);
        Assert.True(code == 0, error);
        Assert.Contains(server.Journal.Find("GET", "/api/v1/namespaces/kube-system/secrets/prometheus-token"), e => e.StatusCode == 200);
        Assert.Equal("dry-run-client", JsonDocument.Parse(output).RootElement.GetProperty("metadata").GetProperty("mode").GetString());
    }

    private string PodIn(string ns) =>
        Enumerable.Range(0, prometheus.Snapshot.Pods.Count).Where(p => prometheus.Snapshot.Strings[prometheus.Snapshot.Pods.Namespace[p]] == ns).Select(p => prometheus.Snapshot.Pods.Name[p]).First();

    private string WritePolicy(string yaml)
    {
        string path = Path.Combine(_directory, $"policy-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
