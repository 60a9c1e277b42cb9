namespace Rebalancer.Core.Usage;

/// <summary>
/// Collects a <see cref="UsageHistory"/> from query results that arrive in any order and any combination: each
/// container gets a row the first time any query names it; statistics no query delivered stay unknown. Not thread-safe:
/// one builder per read, fed from one thread.
/// </summary>
public sealed class UsageHistoryBuilder
{
    private readonly Dictionary<(string Namespace, string Pod, string Container), int> _rows = [];
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly List<(string Namespace, string Pod, string Container)> _keys = [];
    private readonly List<UsageStatistics> _cpu = [];
    private readonly List<UsageStatistics> _memory = [];
    private readonly List<int> _oomKills = [];
    private readonly List<int> _restarts = [];
    private readonly List<double> _throttling = [];

    public UsageHistoryBuilder(DateTimeOffset end, TimeSpan window, TimeSpan step, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, step);
        End = end;
        Window = window;
        Step = step;
        Source = source;
    }

    public DateTimeOffset End { get; }

    public TimeSpan Window { get; }

    public TimeSpan Step { get; }

    public string Source { get; }

    public int Count => _keys.Count;

    /// <summary>The row of a container, added (with nothing known) on first sight.</summary>
    public int Row(string @namespace, string pod, string container)
    {
        var key = (@namespace, pod, container);
        if (_rows.TryGetValue(key, out int row))
        {
            return row;
        }

        // Namespaces and container names repeat across thousands of rows: keep one copy of each.
        row = _keys.Count;
        _keys.Add((Share(@namespace), pod, Share(container)));
        _rows.Add(key, row);
        _cpu.Add(UsageStatistics.None);
        _memory.Add(UsageStatistics.None);
        _oomKills.Add(-1);
        _restarts.Add(-1);
        _throttling.Add(double.NaN);
        return row;
    }

    /// <summary>Sets one cpu statistic (cores). NaN, ±Inf and negative usage are not values: they leave the statistic unknown.</summary>
    public void SetCpu(int row, UsageStatistic statistic, double value) => _cpu[row] = _cpu[row].With(statistic, Finite(value));

    /// <summary>Sets one memory statistic (bytes). NaN, ±Inf and negative usage leave the statistic unknown.</summary>
    public void SetMemory(int row, UsageStatistic statistic, double value) => _memory[row] = _memory[row].With(statistic, Finite(value));

    public void SetCpuSamples(int row, int samples) => _cpu[row] = _cpu[row] with { Samples = Math.Max(0, samples) };

    public void SetMemorySamples(int row, int samples) => _memory[row] = _memory[row] with { Samples = Math.Max(0, samples) };

    /// <summary>OOM kills counted by kube-state-metrics over the window.</summary>
    public void SetOomKills(int row, int kills) => _oomKills[row] = Math.Max(0, kills);

    public void SetRestarts(int row, int restarts) => _restarts[row] = Math.Max(0, restarts);

    /// <summary>The cpu throttling ratio; a value outside [0, 1] or not finite leaves it unknown.</summary>
    public void SetThrottlingRatio(int row, double ratio) => _throttling[row] = ratio is >= 0 and <= 1 ? ratio : double.NaN;

    /// <summary>The history, rows sorted by (namespace, pod, container) ordinal.</summary>
    public UsageHistory Build()
    {
        int n = _keys.Count;
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            int c = string.CompareOrdinal(_keys[a].Namespace, _keys[b].Namespace);
            if (c == 0)
            {
                c = string.CompareOrdinal(_keys[a].Pod, _keys[b].Pod);
            }

            return c != 0 ? c : string.CompareOrdinal(_keys[a].Container, _keys[b].Container);
        });

        string[] ns = new string[n];
        string[] pod = new string[n];
        string[] container = new string[n];
        var cpu = new UsageStatistics[n];
        var memory = new UsageStatistics[n];
        int[] oom = new int[n];
        var oomSource = new OomKillSource[n];
        int[] restarts = new int[n];
        double[] throttling = new double[n];
        for (int i = 0; i < n; i++)
        {
            int from = order[i];
            (ns[i], pod[i], container[i]) = _keys[from];
            cpu[i] = _cpu[from];
            memory[i] = _memory[from];
            oom[i] = _oomKills[from];
            oomSource[i] = oom[i] >= 0 ? OomKillSource.KubeStateMetrics : OomKillSource.None;
            restarts[i] = _restarts[from];
            throttling[i] = _throttling[from];
        }

        return new UsageHistory(End, Window, Step, Source, ns, pod, container, cpu, memory, oom, oomSource, restarts, throttling);
    }

    private static double? Finite(double value) => double.IsFinite(value) && value >= 0 ? value : null;

    private string Share(string value)
    {
        if (_strings.TryGetValue(value, out string? shared))
        {
            return shared;
        }

        _strings.Add(value, value);
        return value;
    }
}
