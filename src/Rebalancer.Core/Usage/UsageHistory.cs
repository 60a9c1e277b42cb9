using System.Globalization;

namespace Rebalancer.Core.Usage;

/// <summary>
/// One resource of one container over the history window: quantiles and maximum of its usage, and how many samples
/// (one per step) the statistics rest on. A statistic Prometheus did not return, or returned as NaN or ±Inf, is
/// <c>null</c>: no number is ever made up for data that is not there.
/// </summary>
/// <remarks>cpu is in cores (the rate of <c>container_cpu_usage_seconds_total</c>), memory in bytes (working set).</remarks>
public readonly record struct UsageStatistics(double? P50, double? P95, double? P99, double? Max, int Samples)
{
    public static readonly UsageStatistics None = new(null, null, null, null, 0);

    /// <summary>True when at least one statistic is known.</summary>
    public bool HasAny => P50.HasValue || P95.HasValue || P99.HasValue || Max.HasValue;

    public double? this[UsageStatistic statistic] => statistic switch
    {
        UsageStatistic.P50 => P50,
        UsageStatistic.P95 => P95,
        UsageStatistic.P99 => P99,
        UsageStatistic.Max => Max,
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, null),
    };

    public UsageStatistics With(UsageStatistic statistic, double? value) => statistic switch
    {
        UsageStatistic.P50 => this with { P50 = value },
        UsageStatistic.P95 => this with { P95 = value },
        UsageStatistic.P99 => this with { P99 = value },
        UsageStatistic.Max => this with { Max = value },
        _ => throw new ArgumentOutOfRangeException(nameof(statistic), statistic, null),
    };
}

/// <summary>The statistics kept per resource.</summary>
public enum UsageStatistic
{
    P50,
    P95,
    P99,
    Max,
}

/// <summary>Where a container's OOM-kill count came from.</summary>
public enum OomKillSource : byte
{
    /// <summary>Unknown: no kube-state-metrics series and no pod status for the container.</summary>
    None,

    /// <summary>kube-state-metrics: restarts whose last termination reason was OOMKilled, counted over the window.</summary>
    KubeStateMetrics,

    /// <summary>
    /// The pod's status in the snapshot: <c>lastState.terminated.reason</c> is OOMKilled. It tells that the last
    /// termination was an OOM kill (a count of at least 1), not how many there were in the window.
    /// </summary>
    PodStatus,
}

/// <summary>
/// Usage history per container over a window, as Prometheus answered cluster-wide queries: cpu and memory statistics,
/// sample counts, OOM kills, restarts and the cpu throttling ratio. Struct-of-arrays, one row per container, rows in
/// ordinal (namespace, pod, container) order so the same history always iterates the same way. Keyed by
/// namespace/pod/container, the way Prometheus labels cAdvisor series; rows of pods that are gone from the cluster are
/// kept (a workload's history outlives its pods), and <see cref="UsageHistoryMatch"/> resolves rows to snapshot pods.
/// Built by <see cref="UsageHistoryBuilder"/>. Plain data: the core never fetches it.
/// </summary>
public sealed class UsageHistory
{
    private readonly string[] _namespace;
    private readonly string[] _pod;
    private readonly string[] _container;
    private readonly UsageStatistics[] _cpu;
    private readonly UsageStatistics[] _memory;
    private readonly int[] _oomKills;
    private readonly OomKillSource[] _oomSource;
    private readonly int[] _restarts;
    private readonly double[] _throttling;

    internal UsageHistory(
        DateTimeOffset end, TimeSpan window, TimeSpan step, string source,
        string[] @namespace, string[] pod, string[] container, UsageStatistics[] cpu, UsageStatistics[] memory,
        int[] oomKills, OomKillSource[] oomSource, int[] restarts, double[] throttling)
    {
        End = end;
        Window = window;
        Step = step;
        Source = source;
        _namespace = @namespace;
        _pod = pod;
        _container = container;
        _cpu = cpu;
        _memory = memory;
        _oomKills = oomKills;
        _oomSource = oomSource;
        _restarts = restarts;
        _throttling = throttling;
    }

    /// <summary>The end of the window: the evaluation time of every query (the plan's clock).</summary>
    public DateTimeOffset End { get; }

    public TimeSpan Window { get; }

    /// <summary>The resolution of the statistics: one sample per step.</summary>
    public TimeSpan Step { get; }

    /// <summary>Where the history came from (the Prometheus URL, without credentials).</summary>
    public string Source { get; }

    public DateTimeOffset Start => End - Window;

    public int Count => _namespace.Length;

    /// <summary>Samples a container present for the whole window has: one per step.</summary>
    public int ExpectedSamples => (int)Math.Max(1, Window.Ticks / Step.Ticks);

    public string NamespaceOf(int row) => _namespace[row];

    public string PodOf(int row) => _pod[row];

    public string ContainerOf(int row) => _container[row];

    /// <summary>cpu usage in cores.</summary>
    public UsageStatistics Cpu(int row) => _cpu[row];

    /// <summary>Memory working set in bytes.</summary>
    public UsageStatistics Memory(int row) => _memory[row];

    /// <summary>OOM kills in the window (see <see cref="OomSourceOf"/>); null when unknown.</summary>
    public int? OomKills(int row) => _oomKills[row] < 0 ? null : _oomKills[row];

    public OomKillSource OomSourceOf(int row) => _oomSource[row];

    /// <summary>Container restarts in the window (kube-state-metrics); null when unknown.</summary>
    public int? Restarts(int row) => _restarts[row] < 0 ? null : _restarts[row];

    /// <summary>Throttled cfs periods / all cfs periods over the window, in [0, 1]; null without cfs metrics (no cpu limit).</summary>
    public double? ThrottlingRatio(int row) => double.IsNaN(_throttling[row]) ? null : _throttling[row];

    /// <summary>The share of the window the container's cpu samples cover, in [0, 1].</summary>
    public double CpuCoverage(int row) => Share(_cpu[row].Samples);

    /// <summary>The share of the window the container's memory samples cover, in [0, 1].</summary>
    public double MemoryCoverage(int row) => Share(_memory[row].Samples);

    /// <summary>The better of the two coverages: how long the container was seen at all.</summary>
    public double Coverage(int row) => Math.Max(CpuCoverage(row), MemoryCoverage(row));

    /// <summary>The row of a container, or -1.</summary>
    public int IndexOf(string @namespace, string pod, string container)
    {
        int lo = 0;
        int hi = Count - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            int c = Compare(mid, @namespace, pod, container);
            if (c == 0)
            {
                return mid;
            }

            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    /// <summary>The rows of a pod's containers (adjacent: rows are sorted by namespace, then pod).</summary>
    public Range RowsOf(string @namespace, string pod)
    {
        int lo = 0;
        int hi = Count;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (Compare(mid, @namespace, pod, string.Empty) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        int end = lo;
        while (end < Count && _namespace[end] == @namespace && _pod[end] == pod)
        {
            end++;
        }

        return lo..end;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Count} containers, {Window} to {End:O}, step {Step}");

    /// <summary>Samples as a share of the window, capped at 1 (a subquery includes both ends: one sample more than steps).</summary>
    private double Share(int samples) => Math.Min(1, samples / (double)ExpectedSamples);

    private int Compare(int row, string @namespace, string pod, string container)
    {
        int c = string.CompareOrdinal(_namespace[row], @namespace);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(_pod[row], pod);
        return c != 0 ? c : string.CompareOrdinal(_container[row], container);
    }
}
