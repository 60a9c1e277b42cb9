using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Prometheus;
using Rebalancer.Testing.Prometheus;

namespace Rebalancer.Kubernetes.Tests.Prometheus;

/// <summary>
/// The usage history read from a real Prometheus over the demo cluster's backfilled two days (no HTTP mocks): every
/// statistic of every container must be what the generator computed from the samples it wrote, with Prometheus's own
/// rules. The server's sample limit makes the two-day queries split by namespace; a short window does not.
/// </summary>
[Collection(PrometheusCollection.Name)]
public sealed class UsageHistoryRealPrometheusTests(PrometheusFixture prometheus)
{
    private static UsageHistoryReadResult? _twoDays;

    [PrometheusFact]
    public async Task Every_statistic_of_every_container_is_what_the_generator_wrote()
    {
        UsageHistoryReadResult read = await ReadTwoDaysAsync();
        UsageHistory history = read.History!;
        Assert.Equal(prometheus.Dataset.Expected.Count, history.Count);
        foreach ((string key, ExpectedUsage expected) in prometheus.Dataset.Expected)
        {
            string[] parts = key.Split('/');
            int row = history.IndexOf(parts[0], parts[1], parts[2]);
            Assert.True(row >= 0, $"{key} is not in the history");
            UsageStatistics cpu = history.Cpu(row);
            UsageStatistics memory = history.Memory(row);
            Close(expected.CpuP50, cpu.P50, key + " cpu p50");
            Close(expected.CpuP95, cpu.P95, key + " cpu p95");
            Close(expected.CpuP99, cpu.P99, key + " cpu p99");
            Close(expected.CpuMax, cpu.Max, key + " cpu max");
            Close(expected.MemoryP50, memory.P50, key + " memory p50");
            Close(expected.MemoryP95, memory.P95, key + " memory p95");
            Close(expected.MemoryP99, memory.P99, key + " memory p99");
            Close(expected.MemoryMax, memory.Max, key + " memory max");
            Assert.True(expected.CpuSteps == cpu.Samples, $"{key}: {cpu.Samples} cpu samples, expected {expected.CpuSteps}");
            Assert.True(expected.MemorySteps == memory.Samples, $"{key}: {memory.Samples} memory samples, expected {expected.MemorySteps}");
            Assert.True(expected.OomKills == history.OomKills(row), $"{key}: {history.OomKills(row)} OOM kills, expected {expected.OomKills}");
            Assert.True(expected.Restarts == history.Restarts(row), $"{key}: {history.Restarts(row)} restarts, expected {expected.Restarts}");
            Assert.True(expected.HasThrottling == history.ThrottlingRatio(row).HasValue, $"{key}: throttling ratio {history.ThrottlingRatio(row)}");
            Assert.InRange(history.ThrottlingRatio(row) ?? 0, 0, 1);
        }
    }

    [PrometheusFact]
    public async Task Pseudo_containers_and_a_namespace_without_series_are_not_in_the_history()
    {
        UsageHistory history = (await ReadTwoDaysAsync()).History!;
        for (int row = 0; row < history.Count; row++)
        {
            Assert.NotEqual(string.Empty, history.ContainerOf(row));
            Assert.NotEqual("POD", history.ContainerOf(row));
            Assert.NotEqual(DemoHistory.NoSeriesNamespace, history.NamespaceOf(row));
        }
    }

    [PrometheusFact]
    public async Task Scenarios_show_in_the_numbers()
    {
        UsageHistory history = (await ReadTwoDaysAsync()).History!;
        int steps = history.ExpectedSamples;

        // A pod that appeared 18 hours before the end covers about 18/48 of the window; one that left 30 hours before, 18/48.
        Assert.InRange(history.Coverage(Row(history, DemoHistory.Canary)), 0.36, 0.40);
        Assert.InRange(history.Coverage(Row(history, DemoHistory.Departed)), 0.36, 0.40);

        // The namespace with a 14-hour scrape gap covers ~34/48.
        for (int row = 0; row < history.Count; row++)
        {
            if (history.NamespaceOf(row) == DemoHistory.GapNamespace)
            {
                Assert.InRange(history.MemoryCoverage(row), 0.68, 0.74);
            }
            else if (history.PodOf(row) != DemoHistory.Canary.Pod && history.PodOf(row) != DemoHistory.Departed.Pod)
            {
                Assert.True(history.MemoryCoverage(row) == 1, $"{history.NamespaceOf(row)}/{history.PodOf(row)}: coverage {history.MemoryCoverage(row)} of {steps} steps");
            }
        }

        // Idle containers use a few millicores; OOM-killed ones reached their limit and have two kills.
        Assert.All(Rows(history, DemoHistory.IdleNamespace), row => Assert.True(history.Cpu(row).P95 < 0.005));
        Assert.Contains(Enumerable.Range(0, history.Count), row => history.OomKills(row) == 2);
    }

    [PrometheusFact]
    public async Task NaN_samples_leave_their_statistic_out_with_a_warning()
    {
        UsageHistoryReadResult read = await ReadTwoDaysAsync();
        HistoryContainer nan = DemoHistory.Containers(prometheus.Snapshot).Single(c => c.NaNMemory);
        int row = Row(read.History!, nan);
        Assert.Null(read.History!.Memory(row).P50);
        Assert.NotNull(read.History!.Memory(row).Max);
        Assert.Contains(read.Warnings, w => w.Contains("NaN or ±Inf", StringComparison.Ordinal) && w.Contains("memory p50: 1", StringComparison.Ordinal));
    }

    [PrometheusFact]
    public async Task A_query_over_the_sample_limit_is_split_by_namespace_and_a_short_window_is_not()
    {
        UsageHistoryReadResult twoDays = await ReadTwoDaysAsync();
        Assert.Contains(twoDays.Warnings, w => w.Contains("split into", StringComparison.Ordinal));
        Assert.Contains(twoDays.Queries, q => q.Name == "cpu p95" && q.Requests > 1 && q.Outcome == PrometheusOutcome.Success);
        Assert.DoesNotContain(twoDays.Warnings, w => w.Contains("failed", StringComparison.Ordinal));

        using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url });
        UsageHistoryReadResult sixHours = await new UsageHistoryReader(client, UsageHistorySettings.Default)
            .ReadAsync(DemoHistory.End, TimeSpan.FromHours(6), [], CancellationToken.None);
        Assert.DoesNotContain(sixHours.Warnings, w => w.Contains("split into", StringComparison.Ordinal));
        Assert.All(sixHours.Queries, q => Assert.Equal(1, q.Requests));
        Assert.Equal(twoDays.History!.Count - 1, sixHours.History!.Count); // the pod that left 30 hours ago is not in the last 6
    }

    [PrometheusFact]
    public async Task Relabelled_names_that_match_nothing_give_an_empty_history_and_a_warning()
    {
        using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url });
        var settings = UsageHistorySettings.Default with { Labels = new UsageLabelNames { Namespace = "kubernetes_namespace", Pod = "pod_name", Container = "container_name" } };
        UsageHistoryReadResult read = await new UsageHistoryReader(client, settings).ReadAsync(DemoHistory.End, TimeSpan.FromHours(6), [], CancellationToken.None);

        Assert.Equal(0, read.History!.Count);
        Assert.Contains(read.Warnings, w => w.Contains("has no series for container_cpu_usage_seconds_total", StringComparison.Ordinal) && w.Contains("kubernetes_namespace", StringComparison.Ordinal));
    }

    private async Task<UsageHistoryReadResult> ReadTwoDaysAsync()
    {
        if (_twoDays is null)
        {
            using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url });
            _twoDays = await new UsageHistoryReader(client, UsageHistorySettings.Default)
                .ReadAsync(DemoHistory.End, DemoHistory.Window, [], CancellationToken.None);
        }

        return _twoDays;
    }

    private static int Row(UsageHistory history, HistoryContainer container)
    {
        int row = history.IndexOf(container.Namespace, container.Pod, container.Container);
        Assert.True(row >= 0, $"{container.Namespace}/{container.Pod}/{container.Container} is not in the history");
        return row;
    }

    private static IEnumerable<int> Rows(UsageHistory history, string ns) =>
        Enumerable.Range(0, history.Count).Where(row => history.NamespaceOf(row) == ns);

    /// <summary>Equal to a millionth (float64 sums in a different order), NaN expected as "no value".</summary>
    private static void Close(double? expected, double? actual, string what)
    {
        if (expected is null || double.IsNaN(expected.Value))
        {
            Assert.True(actual is null, $"{what}: expected no value, got {actual}");
            return;
        }

        Assert.True(actual.HasValue, $"{what}: expected {expected}, got no value");
        double tolerance = Math.Max(1e-9, Math.Abs(expected.Value) * 1e-6);
        Assert.True(Math.Abs(expected.Value - actual.Value) <= tolerance, $"{what}: expected {expected}, got {actual}");
    }
}
