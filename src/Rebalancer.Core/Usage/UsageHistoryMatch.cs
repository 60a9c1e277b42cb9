using System.Globalization;
using Rebalancer.Core.Model;

namespace Rebalancer.Core.Usage;

/// <summary>
/// A <see cref="UsageHistory"/> resolved against a snapshot: which history rows belong to which snapshot pod, the OOM
/// kills completed from pod status where kube-state-metrics had none, and a summary of how well the history covers the
/// pods the plan works on. Analyses read history through this (a pod's containers: <see cref="RowsOf"/>); phase 2 of
/// the right-sizing work resolves pods further to their workloads. Built once per plan.
/// </summary>
public sealed class UsageHistoryMatch
{
    /// <summary>A container whose samples cover less of its pod's lifetime in the window than this has gaps.</summary>
    public const double GapThreshold = 0.8;

    private const string OomKilled = "OOMKilled";

    private readonly int[] _podOfRow;
    private readonly int[] _podRowStart;
    private readonly int[] _podRowEnd;
    private readonly int[] _oomKills;
    private readonly OomKillSource[] _oomSource;

    public UsageHistoryMatch(UsageHistory history, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(snapshot);
        History = history;
        Snapshot = snapshot;
        int rows = history.Count;
        _podOfRow = new int[rows];
        Array.Fill(_podOfRow, -1);
        _oomKills = new int[rows];
        _oomSource = new OomKillSource[rows];
        for (int row = 0; row < rows; row++)
        {
            _oomKills[row] = history.OomKills(row) ?? -1;
            _oomSource[row] = history.OomSourceOf(row);
        }

        PodTable pods = snapshot.Pods;
        _podRowStart = new int[pods.Count];
        _podRowEnd = new int[pods.Count];
        int oomKilledId = snapshot.Strings.Find(OomKilled);
        for (int pod = 0; pod < pods.Count; pod++)
        {
            (int start, int end) = Bounds(history.RowsOf(snapshot.Strings[pods.Namespace[pod]], pods.Name[pod]), rows);
            _podRowStart[pod] = start;
            _podRowEnd[pod] = end;
            for (int row = start; row < end; row++)
            {
                _podOfRow[row] = pod;
                if (_oomSource[row] == OomKillSource.None && oomKilledId > 0 && LastTerminatedBy(snapshot, pod, history.ContainerOf(row), oomKilledId))
                {
                    _oomKills[row] = 1;
                    _oomSource[row] = OomKillSource.PodStatus;
                }
            }
        }

        Summary = Summarize();
    }

    public UsageHistory History { get; }

    public ClusterSnapshot Snapshot { get; }

    public UsageSummary Summary { get; }

    /// <summary>The snapshot pod of a history row, or -1 when the pod is not in the snapshot (gone, or never seen).</summary>
    public int PodOf(int row) => _podOfRow[row];

    /// <summary>The history rows of a snapshot pod's containers; empty when Prometheus has no series for it.</summary>
    public Range RowsOf(int pod) => _podRowStart[pod].._podRowEnd[pod];

    /// <summary>OOM kills in the window: kube-state-metrics' count, else 1 when the pod status says the last termination was one; null when unknown.</summary>
    public int? OomKills(int row) => _oomKills[row] < 0 ? null : _oomKills[row];

    public OomKillSource OomSourceOf(int row) => _oomSource[row];

    /// <summary>
    /// The share of the container's pod lifetime within the window that its samples cover, in [0, 1]: a pod that started
    /// mid-window is judged on the part of the window it existed in. Null for a pod not in the snapshot (its lifetime is
    /// unknown).
    /// </summary>
    public double? LifetimeCoverage(int row)
    {
        int pod = _podOfRow[row];
        if (pod < 0)
        {
            return null;
        }

        int expected = ExpectedSamplesSinceStart(pod);
        int samples = Math.Max(History.Cpu(row).Samples, History.Memory(row).Samples);
        return expected <= 0 ? 1 : Math.Min(1, samples / (double)expected);
    }

    /// <summary>Samples a container of <paramref name="pod"/> can have: one per step since the pod started, within the window.</summary>
    private int ExpectedSamplesSinceStart(int pod)
    {
        long started = Snapshot.Pods.StartTime[pod] != UnixTime.None ? Snapshot.Pods.StartTime[pod] : Snapshot.Pods.CreationTime[pod];
        long windowStart = History.Start.ToUnixTimeMilliseconds();
        long from = started == UnixTime.None ? windowStart : Math.Max(windowStart, started);
        long span = History.End.ToUnixTimeMilliseconds() - from;
        return span <= 0 ? 0 : (int)Math.Min(History.ExpectedSamples, span / (long)History.Step.TotalMilliseconds);
    }

    private static (int Start, int End) Bounds(Range range, int length)
    {
        (int offset, int count) = range.GetOffsetAndLength(length);
        return (offset, offset + count);
    }

    private static bool LastTerminatedBy(ClusterSnapshot snapshot, int pod, string container, int reason)
    {
        foreach (ContainerStatus status in snapshot.Pods.ContainerStatusesOf(pod))
        {
            if (!status.Init && status.LastTerminatedReason == reason && snapshot.Strings[status.Name] == container)
            {
                return true;
            }
        }

        return false;
    }

    private UsageSummary Summarize()
    {
        PodTable pods = Snapshot.Pods;
        int running = 0;
        int runningWithHistory = 0;
        var withoutSeries = new List<string>();
        int withoutSeriesCount = 0;
        for (int pod = 0; pod < pods.Count; pod++)
        {
            if (pods.Phase[pod] != PodPhase.Running)
            {
                continue;
            }

            running++;
            if (_podRowEnd[pod] > _podRowStart[pod])
            {
                runningWithHistory++;
            }
            else
            {
                withoutSeriesCount++;
                if (withoutSeries.Count < UsageSummary.Examples)
                {
                    withoutSeries.Add(Snapshot.PodKey(pod));
                }
            }
        }

        var coverage = new List<double>();
        var gaps = new List<string>();
        int gapCount = 0;
        int matched = 0;
        int oomKilled = 0;
        int throttled = 0;
        for (int row = 0; row < History.Count; row++)
        {
            if (OomKills(row) > 0)
            {
                oomKilled++;
            }

            if (History.ThrottlingRatio(row) > UsageSummary.ThrottledThreshold)
            {
                throttled++;
            }

            if (LifetimeCoverage(row) is not double covered)
            {
                continue;
            }

            matched++;
            coverage.Add(covered);
            if (covered < GapThreshold)
            {
                gapCount++;
                if (gaps.Count < UsageSummary.Examples)
                {
                    gaps.Add(string.Create(CultureInfo.InvariantCulture, $"{History.NamespaceOf(row)}/{History.PodOf(row)}/{History.ContainerOf(row)} {covered * 100:0}%"));
                }
            }
        }

        coverage.Sort();
        double? median = coverage.Count == 0 ? null
            : coverage.Count % 2 == 1 ? coverage[coverage.Count / 2]
            : (coverage[(coverage.Count / 2) - 1] + coverage[coverage.Count / 2]) / 2;
        return new UsageSummary(
            History.Source, History.End, History.Window, History.Step, History.Count, matched, running, runningWithHistory,
            withoutSeriesCount, withoutSeries, median, gapCount, gaps, oomKilled, throttled);
    }
}

/// <summary>How well a usage history covers the snapshot it was read for; the report's "usage history" line.</summary>
/// <param name="Containers">History rows (containers), including those of pods no longer in the snapshot.</param>
/// <param name="ContainersInSnapshot">Rows whose pod is in the snapshot.</param>
/// <param name="RunningPods">Running pods in the snapshot.</param>
/// <param name="RunningPodsWithHistory">Running pods with at least one container in the history.</param>
/// <param name="RunningPodsWithoutSeries">Running pods Prometheus has no series for.</param>
/// <param name="MedianCoverage">Median over <see cref="ContainersInSnapshot"/> of <see cref="UsageHistoryMatch.LifetimeCoverage"/>; null without such rows.</param>
/// <param name="ContainersWithGaps">Rows in the snapshot covering less than <see cref="UsageHistoryMatch.GapThreshold"/> of their pod's lifetime.</param>
/// <param name="OomKilledContainers">Rows with at least one OOM kill in the window (any source).</param>
/// <param name="ThrottledContainers">Rows throttled in more than <see cref="ThrottledThreshold"/> of their cfs periods.</param>
public sealed record UsageSummary(
    string Source,
    DateTimeOffset End,
    TimeSpan Window,
    TimeSpan Step,
    int Containers,
    int ContainersInSnapshot,
    int RunningPods,
    int RunningPodsWithHistory,
    int RunningPodsWithoutSeries,
    IReadOnlyList<string> RunningPodsWithoutSeriesExamples,
    double? MedianCoverage,
    int ContainersWithGaps,
    IReadOnlyList<string> ContainersWithGapsExamples,
    int OomKilledContainers,
    int ThrottledContainers)
{
    /// <summary>Examples named in a warning.</summary>
    public const int Examples = 5;

    public const double ThrottledThreshold = 0.25;
}
