using Rebalancer.Core.Usage;

namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>What a history query fills in.</summary>
internal enum HistoryTarget
{
    CpuP50,
    CpuP95,
    CpuP99,
    CpuMax,
    CpuSamples,
    MemoryP50,
    MemoryP95,
    MemoryP99,
    MemoryMax,
    MemorySamples,
    Throttling,
    Restarts,
    OomKills,
}

/// <summary>One cluster-wide history query: its name in messages, what it fills, and its PromQL for a namespace filter.</summary>
internal sealed record HistoryQuery(string Name, HistoryTarget Target, Func<string, string> Build)
{
    /// <summary>The PromQL over every namespace.</summary>
    public string Text => Build(string.Empty);
}

/// <summary>
/// The fixed set of instant queries that read a whole cluster's usage history, aggregated on the server so each answer
/// is one sample per container whatever the window: quantiles, maximum and sample count of the cpu rate and of the
/// memory working set over a subquery at the history's step, the raw memory maximum (every scraped peak, not only those
/// on a step), the cfs throttling ratio, restarts and OOM kills from kube-state-metrics. Thirteen queries, never one
/// per workload. Each takes an optional extra matcher (a namespace filter) so a query over the server's sample limit can
/// be split by namespace. Metric and label names come from <see cref="UsageHistorySettings"/> (clusters relabel);
/// docs/right-sizing.md lists the queries as sent.
/// </summary>
internal sealed class UsageHistoryQueries
{
    private readonly UsageHistorySettings _settings;
    private readonly string _by;
    private readonly string _window;
    private readonly string _step;
    private readonly string _rate;

    public UsageHistoryQueries(UsageHistorySettings settings, TimeSpan window)
    {
        _settings = settings;
        UsageLabelNames labels = settings.Labels;
        _by = $"{labels.Namespace}, {labels.Pod}, {labels.Container}";
        _window = Durations.ToPromQL(window);
        _step = Durations.ToPromQL(settings.Step);
        _rate = Durations.ToPromQL(settings.RateWindow);
        UsageMetricNames m = settings.Metrics;
        string sub = $"[{_window}:{_step}]";
        All =
        [
            new("memory max", HistoryTarget.MemoryMax, f => $"max by ({_by}) (max_over_time({CAdvisor(m.MemoryWorkingSet, f)}[{_window}]))"),
            new("cpu p50", HistoryTarget.CpuP50, f => $"quantile_over_time(0.5, {CpuRate(f)}{sub})"),
            new("cpu p95", HistoryTarget.CpuP95, f => $"quantile_over_time(0.95, {CpuRate(f)}{sub})"),
            new("cpu p99", HistoryTarget.CpuP99, f => $"quantile_over_time(0.99, {CpuRate(f)}{sub})"),
            new("cpu max", HistoryTarget.CpuMax, f => $"max_over_time({CpuRate(f)}{sub})"),
            new("cpu samples", HistoryTarget.CpuSamples, f => $"count_over_time({CpuRate(f)}{sub})"),
            new("memory p50", HistoryTarget.MemoryP50, f => $"quantile_over_time(0.5, {Memory(f)}{sub})"),
            new("memory p95", HistoryTarget.MemoryP95, f => $"quantile_over_time(0.95, {Memory(f)}{sub})"),
            new("memory p99", HistoryTarget.MemoryP99, f => $"quantile_over_time(0.99, {Memory(f)}{sub})"),
            new("memory samples", HistoryTarget.MemorySamples, f => $"count_over_time({Memory(f)}{sub})"),
            new("cpu throttling", HistoryTarget.Throttling, f =>
                $"sum by ({_by}) (increase({CAdvisor(m.CpuThrottledPeriods, f)}[{_window}])) / (sum by ({_by}) (increase({CAdvisor(m.CpuPeriods, f)}[{_window}])) > 0)"),
            new("restarts", HistoryTarget.Restarts, f =>
                $"max by ({_by}) (max_over_time({State(m.Restarts, f)}[{_window}]) - min_over_time({State(m.Restarts, f)}[{_window}]))"),
            new("OOM kills", HistoryTarget.OomKills, OomKills),
        ];
    }

    /// <summary>The queries, the cheapest first (it doubles as the probe that the server answers at all).</summary>
    public IReadOnlyList<HistoryQuery> All { get; }

    /// <summary>Containers' series counted per namespace at one instant: cheap, and what a split needs to balance its groups.</summary>
    public string SeriesPerNamespace => $"count by ({_settings.Labels.Namespace}) ({CAdvisor(_settings.Metrics.MemoryWorkingSet, string.Empty)})";

    /// <summary>A namespace filter: <c>namespace=~"a|b"</c>, or <c>namespace!~"…"</c> for every other namespace.</summary>
    public string NamespaceMatcher(IEnumerable<string> namespaces, bool exclude) =>
        $"{_settings.Labels.Namespace}{(exclude ? "!~" : "=~")}{PromQLText.Quote(PromQLText.Alternation(namespaces))}";

    /// <summary>
    /// OOM kills: restart increments at the steps where the container's last termination reason is OOMKilled, summed
    /// over the window; containers kube-state-metrics knows without such a step count 0 (unknown is only for containers
    /// it does not know).
    /// </summary>
    private string OomKills(string filter)
    {
        UsageMetricNames m = _settings.Metrics;
        string restarts = $"max by ({_by}) ({State(m.Restarts, filter)})";
        string before = $"max by ({_by}) ({State(m.Restarts, filter)} offset {_step})";
        string oom = $"max by ({_by}) ({State(m.LastTerminatedReason, filter, "reason=\"OOMKilled\"")}) == 1";
        return $"sum by ({_by}) (sum_over_time((({restarts} - {before}) > 0 and on ({_by}) {oom})[{_window}:{_step}]))" +
               $" or on ({_by}) (max by ({_by}) (max_over_time({State(m.Restarts, filter)}[{_window}])) * 0)";
    }

    private string CpuRate(string filter) => $"sum by ({_by}) (rate({CAdvisor(_settings.Metrics.CpuUsage, filter)}[{_rate}]))";

    private string Memory(string filter) => $"max by ({_by}) ({CAdvisor(_settings.Metrics.MemoryWorkingSet, filter)})";

    /// <summary>A cAdvisor selector: real containers only (not the pod cgroup <c>container=""</c> nor the pause container <c>POD</c>), plus the configured matchers.</summary>
    private string CAdvisor(string metric, string filter)
    {
        string container = _settings.Labels.Container;
        var matchers = new List<string> { $"{container}!=\"\"", $"{container}!=\"POD\"" };
        if (_settings.Selector.Length > 0)
        {
            matchers.Add(_settings.Selector.TrimEnd().TrimEnd(','));
        }

        if (filter.Length > 0)
        {
            matchers.Add(filter);
        }

        return metric + "{" + string.Join(", ", matchers) + "}";
    }

    /// <summary>A kube-state-metrics selector (the cAdvisor matchers do not apply: its series have other job labels).</summary>
    private string State(string metric, string filter, string? extra = null)
    {
        var matchers = new List<string> { $"{_settings.Labels.Container}!=\"\"" };
        if (extra is not null)
        {
            matchers.Add(extra);
        }

        if (filter.Length > 0)
        {
            matchers.Add(filter);
        }

        return metric + "{" + string.Join(", ", matchers) + "}";
    }
}
