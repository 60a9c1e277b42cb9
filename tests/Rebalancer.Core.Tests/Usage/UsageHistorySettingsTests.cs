using Rebalancer.Core.Policy;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Tests.Usage;

/// <summary>The policy's <c>usageHistory</c> extension block.</summary>
public sealed class UsageHistorySettingsTests
{
    private const string Profile = """
        "profiles": [{"name": "p", "pluginConfig": [{"name": "RemoveDuplicates"}], "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}]
        """;

    [Fact]
    public void Every_field_binds()
    {
        (DeschedulerPolicy policy, string[] problems) = Bind("""
            "usageHistory": {
              "window": "14d", "step": "10m", "rateWindow": "3m", "selector": "job=\"kubelet\"",
              "metrics": {"cpuUsage": "cadvisor:cpu_seconds_total", "memoryWorkingSet": "mem", "cpuThrottledPeriods": "thr", "cpuPeriods": "per", "lastTerminatedReason": "ltr", "restarts": "rst"},
              "labels": {"namespace": "kubernetes_namespace", "pod": "pod_name", "container": "container_name"},
              "client": {"caFile": "/etc/ca.pem", "tokenFile": "/etc/token", "timeout": "90s", "maxConcurrency": 4, "headers": {"X-Scope-OrgID": "team-a"}}
            }
            """);

        Assert.Empty(problems);
        UsageHistorySettings s = policy.UsageHistory;
        Assert.Equal((TimeSpan.FromDays(14), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(3), "job=\"kubelet\""), (s.Window, s.Step, s.RateWindow, s.Selector));
        Assert.Equal(("cadvisor:cpu_seconds_total", "mem", "thr", "per", "ltr", "rst"),
            (s.Metrics.CpuUsage, s.Metrics.MemoryWorkingSet, s.Metrics.CpuThrottledPeriods, s.Metrics.CpuPeriods, s.Metrics.LastTerminatedReason, s.Metrics.Restarts));
        Assert.Equal(("kubernetes_namespace", "pod_name", "container_name"), (s.Labels.Namespace, s.Labels.Pod, s.Labels.Container));
        Assert.Equal(("/etc/ca.pem", "/etc/token", TimeSpan.FromSeconds(90), 4), (s.Client.CaFile, s.Client.TokenFile, s.Client.Timeout, s.Client.MaxConcurrency));
        Assert.Equal([new KeyValuePair<string, string>("X-Scope-OrgID", "team-a")], s.Client.Headers);
        Assert.Empty(policy.Warnings);
    }

    [Fact]
    public void Without_the_block_the_defaults_apply()
    {
        (DeschedulerPolicy policy, string[] problems) = Bind(string.Empty);

        Assert.Empty(problems);
        Assert.Same(UsageHistorySettings.Default, policy.UsageHistory);
        Assert.Equal((TimeSpan.FromDays(7), TimeSpan.FromMinutes(5)), (policy.UsageHistory.Window, policy.UsageHistory.Step));
        Assert.Equal("container_cpu_usage_seconds_total", policy.UsageHistory.Metrics.CpuUsage);
    }

    [Theory]
    [InlineData("\"window\": \"7x\"", "usageHistory.window: '7x' is not a duration: unknown unit 'x' (valid units: w, d, h, m, s, ms, us, ns) (e.g. 7d, 36h, 5m)")]
    [InlineData("\"window\": \"-1d\"", "usageHistory.window: '-1d' must be positive")]
    [InlineData("\"window\": \"3m\"", "usageHistory.window: 3m is shorter than usageHistory.step 5m")]
    [InlineData("\"window\": \"500d\"", "usageHistory.window: 500d is longer than the maximum 400d")]
    [InlineData("\"window\": \"400d\", \"step\": \"1s\"", "usageHistory.window: 400d at step 1s is more than 100000 samples per container; raise usageHistory.step")]
    [InlineData("\"step\": \"0\"", "usageHistory.step: '0' must be positive")]
    [InlineData("\"step\": \"1500ms\"", "usageHistory.step: '1500ms' must be whole seconds")]
    [InlineData("\"selector\": \"job=kubelet\"", "usageHistory.selector: 'job=kubelet' is not a list of label matchers (expected a quoted value at position 5); e.g. job=\"kubelet\", metrics_path=\"/metrics/cadvisor\"")]
    [InlineData("\"metrics\": {\"cpuUsage\": \"cpu-usage\"}", "usageHistory.metrics.cpuUsage: 'cpu-usage' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")]
    [InlineData("\"metrics\": {\"cpu\": \"x\"}", "usageHistory.metrics.cpu: unknown field 'cpu' (known: cpuPeriods, cpuThrottledPeriods, cpuUsage, lastTerminatedReason, memoryWorkingSet, restarts)")]
    [InlineData("\"labels\": {\"pod\": \"pod:name\"}", "usageHistory.labels.pod: 'pod:name' is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")]
    [InlineData("\"labels\": {\"pod\": \"namespace\"}", "usageHistory.labels: namespace, pod and container must be three different labels (got namespace, namespace, container)")]
    [InlineData("\"client\": {\"headers\": {\"Authorization\": \"Bearer x\"}}", "usageHistory.client.headers.Authorization: 'Authorization' is set by Rebalancer itself; give the token with tokenFile, --prometheus-token-file or metricsProviders[].prometheus.authToken")]
    [InlineData("\"client\": {\"headers\": {\"Bad Header\": \"x\"}}", "usageHistory.client.headers[\"Bad Header\"]: 'Bad Header' is not an HTTP header name")]
    [InlineData("\"client\": {\"maxConcurrency\": 0}", "usageHistory.client.maxConcurrency: 0 is not in [1, 16]")]
    [InlineData("\"client\": {\"caFile\": \"\"}", "usageHistory.client.caFile: must not be empty (leave the field out instead)")]
    [InlineData("\"history\": \"7d\"", "usageHistory.history: unknown field 'history' (known: client, labels, metrics, rateWindow, selector, step, window)")]
    public void Each_problem_names_its_path(string block, string problem)
    {
        (_, string[] problems) = Bind("\"usageHistory\": {" + block + "}");

        Assert.Equal([problem], problems);
    }

    [Fact]
    public void Skipping_certificate_verification_is_a_warning()
    {
        (DeschedulerPolicy policy, string[] problems) = Bind("\"usageHistory\": {\"client\": {\"insecureSkipVerify\": true}}");

        Assert.Empty(problems);
        Assert.True(policy.UsageHistory.Client.InsecureSkipVerify);
        Assert.Contains(policy.Warnings, w => w.Path == "usageHistory.client.insecureSkipVerify" && w.Message.Contains("not verified", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"MetricResource\": 30}", "{\"MetricResource\": 60}", "", "profiles[0].pluginConfig[0].args.thresholds.MetricResource: is the value of a Prometheus query; it needs metricsUtilization: {source: Prometheus, prometheus: {query: …}}")]
    [InlineData("{\"cpu\": 30}", "{\"cpu\": 60}", ", \"metricsUtilization\": {\"source\": \"Prometheus\", \"prometheus\": {\"query\": \"q\"}}", "profiles[0].pluginConfig[0].args.thresholds: with a Prometheus source, thresholds and targetThresholds must have exactly one key, MetricResource (got cpu)")]
    [InlineData("{\"MetricResource\": 30}", "{\"MetricResource\": 60}", ", \"metricsUtilization\": {\"source\": \"Prometheus\", \"prometheus\": {\"query\": \"\"}}", "profiles[0].pluginConfig[0].args.metricsUtilization.prometheus.query: is required when source is Prometheus")]
    public void LowNodeUtilization_thresholds_match_the_source(string thresholds, string targets, string metrics, string problem)
    {
        (_, string[] problems) = PolicyJson.Bind(
            "{\"apiVersion\": \"descheduler/v1alpha2\", \"kind\": \"DeschedulerPolicy\", \"profiles\": [{\"name\": \"p\", " +
            "\"pluginConfig\": [{\"name\": \"LowNodeUtilization\", \"args\": {\"thresholds\": " + thresholds + ", \"targetThresholds\": " + targets + metrics + "}}], " +
            "\"plugins\": {\"balance\": {\"enabled\": [\"LowNodeUtilization\"]}}}]}");

        Assert.Equal([problem], problems);
    }

    private static (DeschedulerPolicy Policy, string[] Problems) Bind(string fields) =>
        PolicyJson.Bind("{\"apiVersion\": \"descheduler/v1alpha2\", \"kind\": \"DeschedulerPolicy\", " + (fields.Length > 0 ? fields + ", " : string.Empty) + Profile + "}");
}
