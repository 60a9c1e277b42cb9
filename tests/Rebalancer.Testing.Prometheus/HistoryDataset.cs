using System.Globalization;

namespace Rebalancer.Testing.Prometheus;

/// <summary>How a container's usage moves over the window.</summary>
public enum UsageShape
{
    /// <summary>cpu follows the day (peak in the afternoon) with noise; memory steady with noise.</summary>
    Diurnal,

    /// <summary>Almost nothing: a few millicores, flat memory (an idle workload).</summary>
    Idle,

    /// <summary>Diurnal plus short spikes of three to five times the usual cpu.</summary>
    Spiky,

    /// <summary>Memory grows steadily and drops back when the container restarts (an Error exit) twice in the window.</summary>
    Leaky,

    /// <summary>Memory climbs to the limit and the container is OOM-killed, twice in the window, restarting from its base.</summary>
    OomKilled,
}

/// <summary>One container of the synthetic history.</summary>
public sealed record HistoryContainer
{
    public required string Namespace { get; init; }

    public required string Pod { get; init; }

    public required string Container { get; init; }

    /// <summary>The typical cpu usage in cores (the diurnal mean).</summary>
    public double CpuCores { get; init; } = 0.1;

    /// <summary>The base memory working set in bytes.</summary>
    public double MemoryBytes { get; init; } = 128 * 1024 * 1024;

    /// <summary>A cpu limit: the container gets cfs period and throttling counters.</summary>
    public double? CpuLimitCores { get; init; }

    /// <summary>A memory limit: where an <see cref="UsageShape.OomKilled"/> container is killed.</summary>
    public double? MemoryLimitBytes { get; init; }

    public UsageShape Shape { get; init; } = UsageShape.Diurnal;

    /// <summary>When the pod appeared (null: before the window).</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>When the pod went away (null: still running at the end).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>kube-state-metrics series exist for it (restarts, last terminated reason).</summary>
    public bool StateMetrics { get; init; } = true;

    /// <summary>Part of its memory samples are NaN (a broken exporter): statistics that touch them are NaN.</summary>
    public bool NaNMemory { get; init; }

    /// <summary>Also write the pod's cgroup (<c>container=""</c>) and pause (<c>container="POD"</c>) series, as cAdvisor does; set on one container per pod.</summary>
    public bool PodSeries { get; init; }

    internal string Key => Namespace + "/" + Pod + "/" + Container;
}

/// <summary>A node-exporter-style utilisation ratio per node (<c>instance</c> = the node name), for LowNodeUtilization's Prometheus source.</summary>
/// <param name="Ratio">The node's mean utilisation in [0, 1]; samples vary by ±0.02 around it, the last one is exactly it.</param>
public sealed record HistoryNode(string Name, double Ratio);

/// <summary>A time range of a namespace with no scrapes (Prometheus down, a network partition).</summary>
public sealed record ScrapeGap(string Namespace, DateTimeOffset From, DateTimeOffset Until);

/// <summary>What to generate.</summary>
public sealed record HistoryDatasetOptions
{
    /// <summary>The end of the history (queries are evaluated here); aligned to the step.</summary>
    public required DateTimeOffset End { get; init; }

    public required TimeSpan Window { get; init; }

    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>kube-state-metrics' scrape interval.</summary>
    public TimeSpan StateInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The step the expected statistics are computed at (the history's step).</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The rate window of the expected cpu statistics.</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromMinutes(5);

    public int Seed { get; init; } = 20_261_127;

    public IReadOnlyList<ScrapeGap> Gaps { get; init; } = [];

    /// <summary>Nodes written as <see cref="NodeMetric"/> samples.</summary>
    public IReadOnlyList<HistoryNode> Nodes { get; init; } = [];

    /// <summary>The recording-rule-style name of the node utilisation series.</summary>
    public const string NodeMetric = "instance:node_cpu_utilisation:rate5m";

    public DateTimeOffset Start => End - Window;
}

/// <summary>
/// What Prometheus must answer for one container, computed by the generator from the samples it wrote with
/// Prometheus 2.x's own rules: subquery points on multiples of the step in [end − window, end], a 5-minute lookback for
/// the gauge, <c>rate()</c> with its extrapolation and counter resets, and <c>quantile_over_time</c>'s interpolation
/// (NaN sorted first, as Go's sort does).
/// </summary>
public sealed record ExpectedUsage(
    double? CpuP50, double? CpuP95, double? CpuP99, double? CpuMax, int CpuSteps,
    double? MemoryP50, double? MemoryP95, double? MemoryP99, double? MemoryMax, int MemorySteps,
    int? OomKills, int? Restarts, bool HasThrottling);

/// <summary>
/// Writes a seeded, realistic container usage history as OpenMetrics text for <c>promtool tsdb create-blocks-from
/// openmetrics</c>: cAdvisor's cpu counter, memory working set and cfs counters (containers with a cpu limit), plus
/// kube-state-metrics' restarts and last-terminated-reason series; diurnal cpu, spikes, memory that grows and drops on
/// restart, OOM kills, idle containers, pods that appear or leave mid-window, scrape gaps and NaN samples. Deterministic:
/// the same options give the same bytes, and <see cref="Expected"/> says what the queries must return.
/// </summary>
public sealed class HistoryDataset
{
    private const double Day = 86_400;
    private static readonly TimeSpan Lookback = TimeSpan.FromMinutes(5);

    private HistoryDataset(HistoryDatasetOptions options, Dictionary<string, ExpectedUsage> expected, long samples)
    {
        Options = options;
        Expected = expected;
        Samples = samples;
    }

    public HistoryDatasetOptions Options { get; }

    /// <summary>By <c>namespace/pod/container</c>.</summary>
    public IReadOnlyDictionary<string, ExpectedUsage> Expected { get; }

    /// <summary>Samples written.</summary>
    public long Samples { get; }

    public ExpectedUsage ExpectedFor(string ns, string pod, string container) => Expected[ns + "/" + pod + "/" + container];

    /// <summary>Writes <paramref name="containers"/> as one OpenMetrics document (families grouped, <c># EOF</c> at the end).</summary>
    public static HistoryDataset Write(HistoryDatasetOptions options, IReadOnlyList<HistoryContainer> containers, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(containers);
        ArgumentNullException.ThrowIfNull(output);
        var timelines = containers.Select(c => new Timeline(options, c)).ToList();
        long samples = 0;

        output.Write("# TYPE container_cpu_usage_seconds counter\n");
        foreach (Timeline t in timelines)
        {
            samples += t.WriteCpu(output);
        }

        output.Write("# TYPE container_memory_working_set_bytes gauge\n");
        foreach (Timeline t in timelines)
        {
            samples += t.WriteMemory(output);
        }

        output.Write("# TYPE container_cpu_cfs_periods counter\n");
        foreach (Timeline t in timelines)
        {
            samples += t.WritePeriods(output, throttled: false);
        }

        output.Write("# TYPE container_cpu_cfs_throttled_periods counter\n");
        foreach (Timeline t in timelines)
        {
            samples += t.WritePeriods(output, throttled: true);
        }

        output.Write("# TYPE kube_pod_container_status_restarts counter\n");
        foreach (Timeline t in timelines)
        {
            samples += t.WriteRestarts(output);
        }

        output.Write("# TYPE kube_pod_container_status_last_terminated_reason gauge\n");
        foreach (Timeline t in timelines)
        {
            samples += t.WriteLastTerminated(output);
        }

        output.Write($"# TYPE {HistoryDatasetOptions.NodeMetric} gauge\n");
        foreach (HistoryNode node in options.Nodes)
        {
            samples += WriteNode(options, node, output);
        }

        output.Write("# EOF\n");
        var expected = timelines.ToDictionary(t => t.Container.Key, t => t.Expected(), StringComparer.Ordinal);
        return new HistoryDataset(options, expected, samples);
    }

    private static long WriteNode(HistoryDatasetOptions options, HistoryNode node, TextWriter output)
    {
        var rng = new Random(Seed(options.Seed, node.Name));
        long scrape = (long)options.ScrapeInterval.TotalMilliseconds;
        long end = options.End.ToUnixTimeMilliseconds();
        long written = 0;
        for (long t = (options.Start - TimeSpan.FromMinutes(10)).ToUnixTimeMilliseconds(); t <= end; t += scrape)
        {
            double value = t + scrape > end ? node.Ratio : Math.Clamp(node.Ratio + ((rng.NextDouble() - 0.5) * 0.04), 0, 1);
            output.Write($"{HistoryDatasetOptions.NodeMetric}{{instance=\"{node.Name}\",job=\"node-exporter\"}} {Format(value)} {Seconds(t)}\n");
            written++;
        }

        return written;
    }

    /// <summary>Prometheus's quantile: linear interpolation at rank φ(n−1) of the sorted values, NaN first; null without values.</summary>
    internal static double? Quantile(double q, List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = new List<double>(values);
        sorted.Sort((a, b) => double.IsNaN(a) ? (double.IsNaN(b) ? 0 : -1) : double.IsNaN(b) ? 1 : a.CompareTo(b));
        double rank = q * (sorted.Count - 1);
        int lower = Math.Max(0, (int)Math.Floor(rank));
        int upper = Math.Min(sorted.Count - 1, lower + 1);
        double weight = rank - Math.Floor(rank);
        return (sorted[lower] * (1 - weight)) + (sorted[upper] * weight);
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Seconds(long milliseconds) =>
        milliseconds % 1000 == 0
            ? (milliseconds / 1000).ToString(CultureInfo.InvariantCulture)
            : (milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A stable seed per container (string.GetHashCode is randomised per process).</summary>
    private static int Seed(int seed, string key)
    {
        uint hash = 2166136261;
        foreach (char c in key)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash ^ (uint)seed);
    }

    /// <summary>One container's samples, computed once and written family by family.</summary>
    private sealed class Timeline
    {
        private readonly HistoryDatasetOptions _options;
        private readonly List<long> _time = [];
        private readonly List<double> _cpuCounter = [];
        private readonly List<double> _memory = [];
        private readonly List<double> _periods = [];
        private readonly List<double> _throttled = [];
        private readonly List<(long Time, string Reason)> _terminations = [];
        private readonly string _labels;

        public Timeline(HistoryDatasetOptions options, HistoryContainer container)
        {
            _options = options;
            Container = container;
            _labels = $"namespace=\"{container.Namespace}\",pod=\"{container.Pod}\",container=\"{container.Container}\"";
            var rng = new Random(Seed(options.Seed, container.Key));
            long scrape = (long)options.ScrapeInterval.TotalMilliseconds;
            long first = (options.Start - TimeSpan.FromMinutes(10)).ToUnixTimeMilliseconds() + (rng.Next(0, (int)(scrape / 1000)) * 1000L);
            long end = options.End.ToUnixTimeMilliseconds();
            long from = container.From?.ToUnixTimeMilliseconds() ?? long.MinValue;
            long until = container.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue;
            double phase = rng.NextDouble() * Day;
            double level = container.CpuCores * (0.6 + (0.8 * rng.NextDouble()));
            double memoryBase = container.MemoryBytes * (0.8 + (0.4 * rng.NextDouble()));
            double limit = container.MemoryLimitBytes ?? container.MemoryBytes * 2;

            // Two restarts, a third and two thirds into the window, jittered by up to two hours.
            long window = (long)options.Window.TotalMilliseconds;
            long startMs = options.Start.ToUnixTimeMilliseconds();
            long[] restarts = container.Shape is UsageShape.Leaky or UsageShape.OomKilled
                ? [startMs + (window / 3) + rng.Next(-7_200, 7_200) * 1000L, startMs + (2 * window / 3) + rng.Next(-7_200, 7_200) * 1000L]
                : [];
            int nextRestart = 0;
            long lastRestart = first;
            double counter = 0;
            double periods = 0;
            double throttled = 0;
            long previous = long.MinValue;
            int nanStart = (int)((end - first) / scrape * 0.2);
            for (long t = first; t <= end; t += scrape)
            {
                if (nextRestart < restarts.Length && t >= restarts[nextRestart])
                {
                    // cAdvisor's counters start over with the new container; the working set falls back to its base.
                    _terminations.Add((restarts[nextRestart], container.Shape == UsageShape.OomKilled ? "OOMKilled" : "Error"));
                    lastRestart = restarts[nextRestart];
                    nextRestart++;
                    counter = 0;
                    periods = 0;
                    throttled = 0;
                    previous = long.MinValue;
                }

                double hours = (t - lastRestart) / 3_600_000.0;
                double cpu = Cpu(container.Shape, level, t / 1000.0, phase, rng);
                double memory = container.Shape switch
                {
                    UsageShape.Idle => memoryBase * 0.5,
                    UsageShape.Leaky => memoryBase * (1 + (0.02 * hours)),
                    UsageShape.OomKilled => Math.Min(limit, memoryBase + ((limit - memoryBase) * Math.Min(1, hours / (options.Window.TotalHours / 3.2)))),
                    _ => memoryBase * (1 + (0.05 * Math.Sin(2 * Math.PI * ((t / 1000.0) + phase) / Day))) * (0.98 + (0.04 * rng.NextDouble())),
                };

                // Whole bytes, as cAdvisor reports them: the expected values then survive the text round trip exactly.
                memory = Math.Round(memory);
                bool present = t >= from && t < until && !InGap(container.Namespace, t);
                if (previous != long.MinValue)
                {
                    double seconds = (t - previous) / 1000.0;
                    counter += cpu * seconds;
                    if (container.CpuLimitCores is double cpuLimit)
                    {
                        double p = seconds * 10; // 100 ms cfs periods
                        periods += p;
                        throttled += p * Math.Clamp(((cpu / cpuLimit) - 0.6) / 0.4, 0, 1) * 0.5;
                    }
                }

                previous = t;
                if (!present)
                {
                    continue;
                }

                _time.Add(t);
                _cpuCounter.Add(Math.Round(counter, 6));
                _memory.Add(container.NaNMemory && _time.Count > nanStart && _time.Count <= nanStart + ((end - first) / scrape * 0.6) ? double.NaN : memory);
                _periods.Add(Math.Round(periods));
                _throttled.Add(Math.Round(throttled));
            }
        }

        public HistoryContainer Container { get; }

        public long WriteCpu(TextWriter output) => Write(output, "container_cpu_usage_seconds_total", _cpuCounter, cgroup: true);

        public long WriteMemory(TextWriter output) => Write(output, "container_memory_working_set_bytes", _memory, cgroup: true);

        public long WritePeriods(TextWriter output, bool throttled) => Container.CpuLimitCores is null ? 0
            : Write(output, throttled ? "container_cpu_cfs_throttled_periods_total" : "container_cpu_cfs_periods_total", throttled ? _throttled : _periods, cgroup: false);

        public long WriteRestarts(TextWriter output)
        {
            if (!Container.StateMetrics)
            {
                return 0;
            }

            long written = 0;
            foreach ((long t, int _) in StateTimes())
            {
                int restarts = _terminations.Count(x => x.Time <= t);
                output.Write($"kube_pod_container_status_restarts_total{{{_labels},job=\"kube-state-metrics\"}} {restarts} {Seconds(t)}\n");
                written++;
            }

            return written;
        }

        public long WriteLastTerminated(TextWriter output)
        {
            if (!Container.StateMetrics || _terminations.Count == 0)
            {
                return 0;
            }

            long written = 0;
            foreach (string reason in _terminations.Select(x => x.Reason).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                foreach ((long t, int _) in StateTimes())
                {
                    (long Time, string Reason)? last = _terminations.LastOrDefault(x => x.Time <= t);
                    if (last is { Reason: { } current } && current == reason)
                    {
                        output.Write($"kube_pod_container_status_last_terminated_reason{{{_labels},job=\"kube-state-metrics\",reason=\"{reason}\"}} 1 {Seconds(t)}\n");
                        written++;
                    }
                }
            }

            return written;
        }

        public ExpectedUsage Expected()
        {
            long step = (long)_options.Step.TotalMilliseconds;
            long end = _options.End.ToUnixTimeMilliseconds();
            long start = _options.Start.ToUnixTimeMilliseconds();
            long firstStep = start % step == 0 ? start : start - (start % step) + step;
            var memory = new List<double>();
            var cpu = new List<double>();
            long lookback = (long)Lookback.TotalMilliseconds;
            long rate = (long)_options.RateWindow.TotalMilliseconds;
            int latest = -1;
            int rateFirst = 0;
            for (long t = firstStep; t <= end; t += step)
            {
                // Both scans only move forward: linear in samples plus steps, even at benchmark scale.
                while (latest + 1 < _time.Count && _time[latest + 1] <= t)
                {
                    latest++;
                }

                if (latest >= 0 && _time[latest] >= t - lookback)
                {
                    memory.Add(_memory[latest]);
                }

                while (rateFirst < _time.Count && _time[rateFirst] < t - rate)
                {
                    rateFirst++;
                }

                if (Rate(rateFirst, latest, t - rate, t) is double r)
                {
                    cpu.Add(r);
                }
            }

            var raw = new List<double>();
            for (int i = 0; i < _time.Count; i++)
            {
                if (_time[i] >= start && _time[i] <= end)
                {
                    raw.Add(_memory[i]);
                }
            }

            double? memoryMax = raw.Count == 0 ? null : raw.All(double.IsNaN) ? double.NaN : raw.Where(v => !double.IsNaN(v)).Max();
            double? cpuMax = cpu.Count == 0 ? null : cpu.Max();
            int? oom = Container.StateMetrics ? _terminations.Count(x => x.Reason == "OOMKilled" && x.Time > start && x.Time <= end) : null;
            int? restarts = Container.StateMetrics ? _terminations.Count(x => x.Time > start && x.Time <= end) : null;
            return new ExpectedUsage(
                Quantile(0.5, cpu), Quantile(0.95, cpu), Quantile(0.99, cpu), cpuMax, cpu.Count,
                Quantile(0.5, memory), Quantile(0.95, memory), Quantile(0.99, memory), memoryMax, memory.Count,
                oom, restarts, Container.CpuLimitCores is not null && _time.Count > 0);
        }

        /// <summary>
        /// Prometheus 2.x <c>extrapolatedRate</c> of the cpu counter over [from, to] (both ends included); samples
        /// <paramref name="first"/> to <paramref name="last"/> are the ones in that range.
        /// </summary>
        private double? Rate(int first, int last, long from, long to)
        {
            if (first >= _time.Count || last < 0 || last - first < 1)
            {
                return null;
            }

            double result = _cpuCounter[last] - _cpuCounter[first];
            for (int i = first + 1; i <= last; i++)
            {
                if (_cpuCounter[i] < _cpuCounter[i - 1])
                {
                    result += _cpuCounter[i - 1];
                }
            }

            double durationToStart = (_time[first] - from) / 1000.0;
            double durationToEnd = (to - _time[last]) / 1000.0;
            double sampled = (_time[last] - _time[first]) / 1000.0;
            double average = sampled / (last - first);
            if (result > 0 && _cpuCounter[first] >= 0)
            {
                double durationToZero = sampled * (_cpuCounter[first] / result);
                if (durationToZero < durationToStart)
                {
                    durationToStart = durationToZero;
                }
            }

            double threshold = average * 1.1;
            double extrapolateTo = sampled;
            extrapolateTo += durationToStart < threshold ? durationToStart : average / 2;
            extrapolateTo += durationToEnd < threshold ? durationToEnd : average / 2;
            return result * (extrapolateTo / sampled) / ((to - from) / 1000.0);
        }

        /// <summary>kube-state-metrics scrapes (on its own interval) while the pod exists and is scraped.</summary>
        private IEnumerable<(long Time, int Index)> StateTimes()
        {
            long interval = (long)_options.StateInterval.TotalMilliseconds;
            long end = _options.End.ToUnixTimeMilliseconds();
            long start = (_options.Start - TimeSpan.FromMinutes(10)).ToUnixTimeMilliseconds();
            long from = Container.From?.ToUnixTimeMilliseconds() ?? long.MinValue;
            long until = Container.Until?.ToUnixTimeMilliseconds() ?? long.MaxValue;
            int index = 0;
            for (long t = start - (start % interval) + 7_000; t <= end; t += interval)
            {
                if (t >= from && t < until && !InGap(Container.Namespace, t))
                {
                    yield return (t, index++);
                }
            }
        }

        private bool InGap(string ns, long t) =>
            _options.Gaps.Any(g => g.Namespace == ns && t >= g.From.ToUnixTimeMilliseconds() && t < g.Until.ToUnixTimeMilliseconds());

        private long Write(TextWriter output, string metric, List<double> values, bool cgroup)
        {
            for (int i = 0; i < _time.Count; i++)
            {
                output.Write($"{metric}{{{_labels},job=\"kubelet\"}} {Format(values[i])} {Seconds(_time[i])}\n");
            }

            long written = _time.Count;
            if (cgroup && Container.PodSeries)
            {
                // The pod cgroup and the pause container: real cAdvisor series every usage query must leave out.
                foreach (string pseudo in new[] { string.Empty, "POD" })
                {
                    string labels = $"namespace=\"{Container.Namespace}\",pod=\"{Container.Pod}\",container=\"{pseudo}\"";
                    for (int i = 0; i < _time.Count; i++)
                    {
                        output.Write($"{metric}{{{labels},job=\"kubelet\"}} {Format(Math.Abs(values[i]) * 3)} {Seconds(_time[i])}\n");
                    }

                    written += _time.Count;
                }
            }

            return written;
        }

        private static double Cpu(UsageShape shape, double level, double seconds, double phase, Random rng)
        {
            double day = 1 + (0.6 * Math.Sin(2 * Math.PI * (seconds + phase) / Day));
            double noise = 0.85 + (0.3 * rng.NextDouble());
            return shape switch
            {
                UsageShape.Idle => 0.002 * noise,
                UsageShape.Spiky when rng.NextDouble() < 0.01 => level * day * (3 + (2 * rng.NextDouble())),
                _ => level * day * noise,
            };
        }
    }
}
