using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.SpotRatio;

namespace Rebalancer.Reporting;

/// <summary>
/// Everything a report shows, computed once from a <see cref="Plan"/> so the text, JSON and Markdown renderers cannot
/// disagree on a number. Strings are resolved out of the snapshot's interned columns, lists are in a fixed order
/// (evictions and skips in plan order, plugins in run order, nodes by name, reasons by count then name), and
/// percentages are decimals rounded to one place, so the same plan always gives byte-identical reports.
/// </summary>
public sealed class PlanReport
{
    private PlanReport(
        ReportContext context,
        DateTimeOffset now,
        ReportSummary summary,
        IReadOnlyList<NodeUtilization> utilization,
        IReadOnlyList<PoolUtilization> utilizationByPool,
        IReadOnlyList<ReportEviction> evictions,
        IReadOnlyList<ReportSkip> skipped,
        IReadOnlyList<ReportMessage> warnings,
        IReadOnlyList<ReportMessage> notes,
        ReportHeadroom? headroom,
        ReportSpot? spot,
        ReportConsolidation? consolidation,
        ReportScheduler scheduler,
        IReadOnlyList<ReportNodeCordon> cordons)
    {
        Context = context;
        Now = now;
        Summary = summary;
        Utilization = utilization;
        ChangedNodes = utilization.Where(u => u.Changed).ToList();
        UtilizationByPool = utilizationByPool;
        Evictions = evictions;
        Skipped = skipped;
        Warnings = warnings;
        Notes = notes;
        Headroom = headroom;
        Spot = spot;
        Consolidation = consolidation;
        Scheduler = scheduler;
        Cordons = cordons;
    }

    public ReportContext Context { get; }

    /// <summary>The plan's clock value: the only time a report shows, so reports stay reproducible.</summary>
    public DateTimeOffset Now { get; }

    public ReportSummary Summary { get; }

    /// <summary>Every node of the snapshot, by name (ordinal).</summary>
    public IReadOnlyList<NodeUtilization> Utilization { get; }

    /// <summary>The nodes of <see cref="Utilization"/> whose requests the plan changes, by name.</summary>
    public IReadOnlyList<NodeUtilization> ChangedNodes { get; }

    public int UnchangedNodeCount => Utilization.Count - ChangedNodes.Count;

    /// <summary>Nodes grouped by pool and zone, by pool then zone (ordinal, unlabelled last).</summary>
    public IReadOnlyList<PoolUtilization> UtilizationByPool { get; }

    /// <summary>
    /// Skip records per plugin run and reason: plugin runs in run order, then most frequent reason first, ties by reason.
    /// Computed on demand: only the human renderers group this way (the JSON report lists every skip).
    /// </summary>
    public IReadOnlyList<PluginReasonCount> SkippedByPluginAndReason => _skippedByPluginAndReason ??= GroupSkips();

    private IReadOnlyList<PluginReasonCount>? _skippedByPluginAndReason;

    /// <summary>In execution order.</summary>
    public IReadOnlyList<ReportEviction> Evictions { get; }

    /// <summary>In the order the planner recorded them; one pod may be skipped by several plugins.</summary>
    public IReadOnlyList<ReportSkip> Skipped { get; }

    /// <summary>What a plugin could not do (e.g. metrics missing for a node): worth a reader's attention.</summary>
    public IReadOnlyList<ReportMessage> Warnings { get; }

    /// <summary>Why a plugin did nothing or stopped early (e.g. "no node is underutilized"): informational.</summary>
    public IReadOnlyList<ReportMessage> Notes { get; }

    /// <summary>N-1 headroom before and after the plan; null when the planner evaluated none (no considered node).</summary>
    public ReportHeadroom? Headroom { get; }

    /// <summary>The spot share and on-demand floors; null when the SpotRatio plugin did not run.</summary>
    public ReportSpot? Spot { get; }

    /// <summary>What Consolidation drains and how close it gets to the best packing; null when the plugin did not run.</summary>
    public ReportConsolidation? Consolidation { get; }

    /// <summary>The kube-scheduler profile the projection assumed for every target (the policy's <c>scheduler:</c> section).</summary>
    public ReportScheduler Scheduler { get; }

    /// <summary>
    /// Every node the plan cordons before the run's first eviction (Consolidation's and HighNodeUtilization's drains with
    /// <c>cordon</c>), in plan order, with the outcome after a run; empty when none is cordoned.
    /// </summary>
    public IReadOnlyList<ReportNodeCordon> Cordons { get; }

    /// <summary>How the usage history read from Prometheus covers the snapshot; null when the plan had none.</summary>
    public ReportUsageHistory? UsageHistory { get; private init; }

    /// <summary>True when at least one eviction carries an execution outcome.</summary>
    public bool HasOutcomes => Evictions.Any(e => e.Outcome is not null);

    /// <summary>Builds the report of <paramref name="plan"/>.</summary>
    /// <param name="outcomes">
    /// Execution results by pod index (<see cref="PlannedEviction.Pod"/>; a plan evicts a pod at most once). Null for a
    /// plan that was not executed; evictions without an entry are reported without an outcome.
    /// </param>
    /// <param name="cordons">Cordon results of drained nodes by node index; null for a plan that was not executed.</param>
    public static PlanReport From(
        Plan plan, ReportContext context, IReadOnlyDictionary<int, EvictionOutcome>? outcomes = null, IReadOnlyDictionary<int, CordonOutcome>? cordons = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(context);
        ClusterSnapshot snapshot = plan.Snapshot;
        PodTable pods = snapshot.Pods;

        var evictions = new List<ReportEviction>(plan.Evictions.Count);
        foreach (PlannedEviction e in plan.Evictions)
        {
            EvictionOutcome? outcome = null;
            outcomes?.TryGetValue(e.Pod, out outcome);
            evictions.Add(new ReportEviction(
                snapshot.Strings[pods.Namespace[e.Pod]],
                pods.Name[e.Pod],
                pods.Uid[e.Pod],
                e.Node >= 0 ? snapshot.Nodes.Name[e.Node] : NodeNameOf(snapshot, e.Pod),
                e.TargetNode >= 0 ? snapshot.Nodes.Name[e.TargetNode] : null,
                e.Profile,
                e.Plugin,
                e.Reason,
                outcome));
        }

        var skipped = new List<ReportSkip>(plan.Skipped.Count);
        var reasonCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (SkippedPod s in plan.Skipped)
        {
            skipped.Add(new ReportSkip(
                snapshot.Strings[pods.Namespace[s.Pod]],
                pods.Name[s.Pod],
                pods.Uid[s.Pod],
                NodeNameOf(snapshot, s.Pod),
                s.Profile,
                s.Plugin,
                s.Reason,
                s.Detail));
            reasonCounts[s.Reason] = reasonCounts.GetValueOrDefault(s.Reason) + 1;
        }

        // Most frequent first (what a reader wants to see), ties by name so the order never depends on hashing.
        List<ReasonCount> byReason = reasonCounts
            .Select(kv => new ReasonCount(kv.Key, kv.Value))
            .OrderByDescending(r => r.Count)
            .ThenBy(r => r.Reason, StringComparer.Ordinal)
            .ToList();

        List<PluginSummary> byPlugin = plan.PluginRuns
            .Select(r => new PluginSummary(r.Profile, r.Plugin, r.Point.ToString(), r.Evictions, r.Skips))
            .ToList();

        int running = 0;
        for (int p = 0; p < pods.Count; p++)
        {
            if (pods.Phase[p] == PodPhase.Running)
            {
                running++;
            }
        }

        // The inputs' warnings (the snapshot's, the clock's) first: they say what the plan was made from.
        List<ReportMessage> warnings = [.. context.Warnings.Distinct(), .. Messages(plan.Warnings)];

        var summary = new ReportSummary(
            snapshot.Nodes.Count,
            plan.ConsideredNodes.Count,
            pods.Count,
            running,
            evictions.Count,
            skipped.Count,
            warnings.Count,
            byPlugin,
            byReason);


        List<NodeUtilization> utilization = ComputeUtilization(plan, out List<PoolUtilization> byPool);
        return new PlanReport(context, plan.Now, summary, utilization, byPool, evictions, skipped, warnings, Messages(plan.Notes),
            HeadroomOf(plan), SpotOf(plan), ConsolidationOf(plan, cordons), SchedulerOf(plan.Scheduler), CordonsOf(plan, cordons))
        {
            UsageHistory = ReportUsageHistory.Of(plan.Usage),
        };
    }

    private List<PluginReasonCount> GroupSkips()
    {
        // Plugin runs in run order; a skip whose run is not listed (a hand-made plan) goes after them, by first appearance.
        var runOrder = new Dictionary<(string, string), int>();
        foreach (PluginSummary run in Summary.EvictionsByPlugin)
        {
            runOrder.TryAdd((run.Profile, run.Plugin), runOrder.Count);
        }

        var counts = new Dictionary<(string Profile, string Plugin, string Reason), int>();
        foreach (ReportSkip skip in Skipped)
        {
            runOrder.TryAdd((skip.Profile, skip.Plugin), runOrder.Count);
            counts[(skip.Profile, skip.Plugin, skip.Reason)] = counts.GetValueOrDefault((skip.Profile, skip.Plugin, skip.Reason)) + 1;
        }

        return counts
            .OrderBy(kv => runOrder[(kv.Key.Profile, kv.Key.Plugin)])
            .ThenByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key.Reason, StringComparer.Ordinal)
            .Select(kv => new PluginReasonCount(kv.Key.Profile, kv.Key.Plugin, kv.Key.Reason, kv.Value))
            .ToList();
    }

    private static ReportHeadroom? HeadroomOf(Plan plan)
    {
        if (plan.HeadroomBefore is null && plan.HeadroomAfter is null)
        {
            return null;
        }

        return new ReportHeadroom(VerdictOf(plan.Snapshot, plan.HeadroomBefore), VerdictOf(plan.Snapshot, plan.HeadroomAfter));
    }

    private static ReportHeadroomVerdict? VerdictOf(ClusterSnapshot snapshot, HeadroomVerdict? verdict)
    {
        if (verdict is null)
        {
            return null;
        }

        var node = new ReportLoss(
            verdict.LargestNode >= 0 ? snapshot.Nodes.Name[verdict.LargestNode] : null,
            verdict.NodeLossSurvivable,
            Amounts(snapshot, verdict.NodeShortfall));
        ReportLoss? zone = verdict.ZoneLossSurvivable is bool survivable
            ? new ReportLoss(verdict.WorstZone, survivable, Amounts(snapshot, verdict.ZoneShortfall))
            : null;
        return new ReportHeadroomVerdict(node, zone)
        {
            Zones = [.. verdict.Zones.Select(z => new ReportLoss(z.Zone, z.Survivable, Amounts(snapshot, z.Shortfall)))],
        };
    }

    /// <summary>Amounts per resource in the snapshot's resource order (cpu, memory, pods, ephemeral-storage, extended), zeros left out.</summary>
    private static List<ReportAmount> Amounts(ClusterSnapshot snapshot, IReadOnlyDictionary<string, long> amounts) => amounts
        .Where(kv => kv.Value != 0)
        .Select(kv => (Index: snapshot.Resources.Find(kv.Key), kv.Key, kv.Value))
        .OrderBy(a => a.Index < 0 ? int.MaxValue : a.Index)
        .ThenBy(a => a.Key, StringComparer.Ordinal)
        .Select(a => new ReportAmount(a.Key, a.Value, a.Index < 0 ? a.Value.ToString(CultureInfo.InvariantCulture) : Units.Format(a.Index, a.Value)))
        .ToList();

    private static ReportSpot? SpotOf(Plan plan)
    {
        if (plan.Spot is not SpotSummary spot)
        {
            return null;
        }

        StringTable strings = plan.Snapshot.Strings;
        List<ReportWorkload> Workloads(IReadOnlyList<OnDemandShortfall> list) => list
            .Select(w => new ReportWorkload(strings[w.Namespace], strings[w.OwnerKind], strings[w.OwnerName], w.Replicas, w.OnDemand, w.Floor))
            .ToList();

        var shortfall = new List<ReportAmount>();
        if (spot.ShortfallCpuMilli != 0)
        {
            shortfall.Add(new ReportAmount("cpu", spot.ShortfallCpuMilli, Units.Format(ResourceCatalog.Cpu, spot.ShortfallCpuMilli)));
        }

        if (spot.ShortfallMemory != 0)
        {
            shortfall.Add(new ReportAmount("memory", spot.ShortfallMemory, Units.Format(ResourceCatalog.Memory, spot.ShortfallMemory)));
        }

        return new ReportSpot(
            spot.Resource,
            Fraction(spot.MaxSpotFraction),
            Fraction(spot.FractionBefore),
            Fraction(spot.FractionAfter),
            Workloads(spot.BelowFloorBefore),
            Workloads(spot.BelowFloorAfter),
            shortfall);
    }

    private static ReportScheduler SchedulerOf(Core.Scheduling.SchedulerProfile profile) => new(
        profile.Name,
        profile.IsDefault,
        [.. profile.Plugins.Select(p => new ReportScorePlugin(p.Name, p.Weight, NullIfEmpty(p.Settings.ToString() ?? string.Empty), p.Entry.NotModelledReason))],
        profile.Describe());

    private static List<ReportNodeCordon> CordonsOf(Plan plan, IReadOnlyDictionary<int, CordonOutcome>? cordons) =>
        [.. plan.Drains.Where(d => d.Cordon != CordonAction.None).Select(d => new ReportNodeCordon(
            plan.Snapshot.Nodes.Name[d.Node], d.Plugin, new ReportCordon(d.Cordon.ToString(), cordons?.GetValueOrDefault(d.Node))))];

    /// <summary>A fraction with exactly four decimal places (<c>0.6600</c>), rounded half away from zero.</summary>
    internal static decimal Fraction(decimal value) => Math.Round(value, 4, MidpointRounding.AwayFromZero) + 0.0000m;

    private static ReportConsolidation? ConsolidationOf(Plan plan, IReadOnlyDictionary<int, CordonOutcome>? cordons)
    {
        if (plan.Consolidation is not ConsolidationSummary consolidation)
        {
            return null;
        }

        ClusterSnapshot snapshot = plan.Snapshot;
        var drained = consolidation.Drained
            .Select(d => new ReportDrainedNode(
                d.Node >= 0 ? snapshot.Nodes.Name[d.Node] : null,
                Math.Round(d.Weight, 6, MidpointRounding.AwayFromZero),
                d.Moves.Select(m => new ReportMove(
                    snapshot.Strings[snapshot.Pods.Namespace[m.Pod]],
                    snapshot.Pods.Name[m.Pod],
                    m.Target >= 0 ? snapshot.Nodes.Name[m.Target] : null)).ToList())
            {
                Cordon = d.Cordon == CordonAction.None ? null : new ReportCordon(d.Cordon.ToString(), cordons?.GetValueOrDefault(d.Node)),
            })
            .ToList();
        return new ReportConsolidation(
            consolidation.NodesBefore,
            consolidation.NodesAfter,
            consolidation.LowerBound,
            consolidation.FirstFitDecreasing,
            consolidation.NodesAfter - consolidation.LowerBound,
            consolidation.Candidates,
            consolidation.SearchSteps,
            consolidation.BudgetExhausted,
            drained);
    }

    /// <summary>
    /// Planner-wide messages have no profile or plugin: they are reported as absent rather than as empty names. An exact
    /// repeat (same profile, plugin and message, e.g. an evictor warning raised again at each extension point) adds
    /// nothing for the reader, so each message is reported once, at its first position.
    /// </summary>
    private static List<ReportMessage> Messages(IReadOnlyList<PlanWarning> messages)
    {
        var result = new List<ReportMessage>(messages.Count);
        var seen = new HashSet<ReportMessage>();
        foreach (PlanWarning m in messages)
        {
            var message = new ReportMessage(NullIfEmpty(m.Profile), NullIfEmpty(m.Plugin), m.Message);
            if (seen.Add(message))
            {
                result.Add(message);
            }
        }

        return result;
    }

    /// <summary>
    /// Node labels naming a node's pool, most specific first: the autoscaler's or the cloud's node-group label, then the
    /// instance type, so nodes of one shape group together on clusters that label nothing else.
    /// </summary>
    public static IReadOnlyList<string> PoolLabels { get; } =
    [
        "karpenter.sh/nodepool",
        "eks.amazonaws.com/nodegroup",
        "cloud.google.com/gke-nodepool",
        "kubernetes.azure.com/agentpool",
        "node.kubernetes.io/instance-type",
        "beta.kubernetes.io/instance-type",
    ];

    private static List<NodeUtilization> ComputeUtilization(Plan plan, out List<PoolUtilization> byPool)
    {
        ClusterSnapshot snapshot = plan.Snapshot;
        NodeTable nodes = snapshot.Nodes;
        int stride = snapshot.Resources.Count;
        int[] poolKeys = PoolLabels.Select(snapshot.Strings.Find).Where(k => k >= 0).ToArray();
        int zoneKey = snapshot.Strings.Find(Core.Planning.Headroom.ZoneLabel);

        // The well-known capacity-type labels SpotRatio uses; a policy's spotNodeSelector is not part of the plan.
        bool[] spot = SpotRatioStrategy.ClassifySpot(snapshot, null);
        var considered = new bool[nodes.Count];
        foreach (int n in plan.ConsideredNodes)
        {
            considered[n] = true;
        }

        var drained = new bool[nodes.Count];
        // A hand-made plan may carry a Consolidation summary without the plan-wide list: both mark their nodes.
        foreach (DrainedNode d in plan.Drains.Concat(plan.Consolidation?.Drained ?? []))
        {
            if (d.Node >= 0)
            {
                drained[d.Node] = true;
            }
        }

        var result = new List<NodeUtilization>(nodes.Count);
        var groups = new Dictionary<(string? Pool, string? Zone), GroupTotals>();
        for (int n = 0; n < nodes.Count; n++)
        {
            ReadOnlySpan<long> before = plan.RequestedBefore.AsSpan(n * stride, stride);
            ReadOnlySpan<long> after = plan.RequestedAfter.AsSpan(n * stride, stride);
            ReadOnlySpan<long> allocatable = nodes.AllocatableOf(n);
            LabelView labels = nodes.Labels[n];
            string? pool = null;
            foreach (int key in poolKeys)
            {
                if (labels.TryGet(key, out int value))
                {
                    pool = snapshot.Strings[value];
                    break;
                }
            }

            string? zone = zoneKey >= 0 && labels.TryGet(zoneKey, out int z) ? snapshot.Strings[z] : null;

            // "Changed" compares the exact requests over every resource, not the rounded percentages: a node that gains
            // one small pod changed even if its rounded cpu and memory did not.
            bool changed = !before.SequenceEqual(after);
            result.Add(new NodeUtilization(nodes.Name[n], UtilizationOf(before, allocatable), UtilizationOf(after, allocatable), changed)
            {
                Pool = pool,
                Zone = zone,
                Spot = spot[n],
                Considered = considered[n],
                Drained = drained[n],
            });

            if (!groups.TryGetValue((pool, zone), out GroupTotals? totals))
            {
                totals = new GroupTotals();
                groups.Add((pool, zone), totals);
            }

            totals.Add(before, after, allocatable, spot[n], considered[n], changed, drained[n]);
        }

        byPool = groups
            .OrderBy(g => g.Key.Pool is null)
            .ThenBy(g => g.Key.Pool, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Zone is null)
            .ThenBy(g => g.Key.Zone, StringComparer.Ordinal)
            .Select(g => g.Value.ToReport(g.Key.Pool, g.Key.Zone))
            .ToList();

        // Ordinal by name; the index breaks ties between duplicate names so the order is total.
        return result
            .Select((u, index) => (u, index))
            .OrderBy(x => x.u.Node, StringComparer.Ordinal)
            .ThenBy(x => x.index)
            .Select(x => x.u)
            .ToList();
    }

    /// <summary>Sums of one pool and zone. A drained node counts before the plan only: the autoscaler removes it.</summary>
    private sealed class GroupTotals
    {
        private readonly long[] _before = new long[3];
        private readonly long[] _after = new long[3];
        private readonly long[] _allocatableBefore = new long[3];
        private readonly long[] _allocatableAfter = new long[3];
        private int _nodes;
        private int _spot;
        private int _considered;
        private int _changed;
        private int _drained;

        public void Add(ReadOnlySpan<long> before, ReadOnlySpan<long> after, ReadOnlySpan<long> allocatable, bool spot, bool considered, bool changed, bool drained)
        {
            _nodes++;
            _spot += spot ? 1 : 0;
            _considered += considered ? 1 : 0;
            _changed += changed ? 1 : 0;
            _drained += drained ? 1 : 0;
            ReadOnlySpan<int> resources = [ResourceCatalog.Cpu, ResourceCatalog.Memory, ResourceCatalog.Pods];
            for (int i = 0; i < resources.Length; i++)
            {
                int r = resources[i];
                long alloc = r < allocatable.Length ? allocatable[r] : 0;
                _before[i] += r < before.Length ? before[r] : 0;
                _allocatableBefore[i] += alloc;
                if (!drained)
                {
                    _after[i] += r < after.Length ? after[r] : 0;
                    _allocatableAfter[i] += alloc;
                }
            }
        }

        public PoolUtilization ToReport(string? pool, string? zone) => new(
            pool,
            zone,
            _nodes,
            _considered,
            _spot,
            _changed,
            _drained,
            new ResourceUtilization(Percent(_before, _allocatableBefore, 0), Percent(_before, _allocatableBefore, 1), Percent(_before, _allocatableBefore, 2)),
            new ResourceUtilization(Percent(_after, _allocatableAfter, 0), Percent(_after, _allocatableAfter, 1), Percent(_after, _allocatableAfter, 2)));
    }

    private static ResourceUtilization UtilizationOf(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable) => new(
        Percent(requested, allocatable, ResourceCatalog.Cpu),
        Percent(requested, allocatable, ResourceCatalog.Memory),
        Percent(requested, allocatable, ResourceCatalog.Pods));

    /// <summary>
    /// Requested as a percentage of allocatable, in decimal so the rounding is exact (no binary fractions), half away
    /// from zero, always with one decimal place (scale 1) so it prints as <c>80.0</c>, not <c>80</c>. Null when the
    /// node has no allocatable amount of the resource: a percentage of nothing means nothing.
    /// </summary>
    internal static decimal? Percent(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable, int resource)
    {
        long total = resource < allocatable.Length ? allocatable[resource] : 0;
        if (total <= 0)
        {
            return null;
        }

        long used = resource < requested.Length ? requested[resource] : 0;
        return Math.Round(used * 100m / total, 1, MidpointRounding.AwayFromZero) + 0.0m;
    }

    /// <summary>The pod's node: its node in the snapshot, else the <c>spec.nodeName</c> of a node the snapshot lacks, else null.</summary>
    private static string? NodeNameOf(ClusterSnapshot snapshot, int pod)
    {
        int node = snapshot.Pods.Node[pod];
        if (node >= 0)
        {
            return snapshot.Nodes.Name[node];
        }

        int name = snapshot.Pods.NodeName[pod];
        return name != 0 ? snapshot.Strings[name] : null;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <param name="Skipped">Skip records; a pod skipped by two plugins counts twice.</param>
public sealed record ReportSummary(
    int Nodes,
    int ConsideredNodes,
    int Pods,
    int RunningPods,
    int Evictions,
    int Skipped,
    int Warnings,
    IReadOnlyList<PluginSummary> EvictionsByPlugin,
    IReadOnlyList<ReasonCount> SkippedByReason);

/// <summary>One plugin run (a plugin of a profile at one extension point), in run order.</summary>
/// <param name="ExtensionPoint"><c>Deschedule</c> or <c>Balance</c>.</param>
public sealed record PluginSummary(string Profile, string Plugin, string ExtensionPoint, int Evictions, int Skipped);

public sealed record ReasonCount(string Reason, int Count);

/// <summary>Requested resources as percentages of allocatable (one decimal place); null where allocatable is zero.</summary>
public sealed record ResourceUtilization(decimal? Cpu, decimal? Memory, decimal? Pods);

/// <param name="Changed">Whether the plan changes any requested resource on the node.</param>
public sealed record NodeUtilization(string Node, ResourceUtilization Before, ResourceUtilization After, bool Changed)
{
    /// <summary>The first of <see cref="PlanReport.PoolLabels"/> the node has; null when it has none.</summary>
    public string? Pool { get; init; }

    /// <summary><c>topology.kubernetes.io/zone</c> (the label the N-1 zone verdict uses); null when absent.</summary>
    public string? Zone { get; init; }

    /// <summary>Whether a well-known capacity-type label marks the node as spot (as SpotRatio classifies it).</summary>
    public bool Spot { get; init; }

    /// <summary>Whether the planner worked on the node (Ready and matching the policy's nodeSelector).</summary>
    public bool Considered { get; init; }

    /// <summary>Whether the plan empties the node (Consolidation, HighNodeUtilization with cordon) so the autoscaler can remove it.</summary>
    public bool Drained { get; init; }
}

/// <summary>The nodes of one pool in one zone, summed.</summary>
/// <param name="Pool">Null for nodes without any of <see cref="PlanReport.PoolLabels"/>.</param>
/// <param name="Zone">Null for nodes without a zone label.</param>
/// <param name="Before">Σ requests / Σ allocatable of the group's nodes, before the plan.</param>
/// <param name="After">The same after the plan, drained nodes left out (their capacity goes away with them).</param>
public sealed record PoolUtilization(
    string? Pool,
    string? Zone,
    int Nodes,
    int ConsideredNodes,
    int SpotNodes,
    int ChangedNodes,
    int DrainedNodes,
    ResourceUtilization Before,
    ResourceUtilization After);

/// <summary>Skip records of one plugin run with one reason.</summary>
public sealed record PluginReasonCount(string Profile, string Plugin, string Reason, int Count);

/// <param name="Node">The node the pod is evicted from (null only for a pod bound nowhere).</param>
/// <param name="TargetNode">Where the projection places the pod afterwards; null when no target was simulated.</param>
/// <param name="Outcome">The execution result, when the plan was executed.</param>
public sealed record ReportEviction(
    string Namespace,
    string Name,
    string Uid,
    string? Node,
    string? TargetNode,
    string Profile,
    string Plugin,
    string Reason,
    EvictionOutcome? Outcome = null)
{
    public string Key => Namespace + "/" + Name;
}

/// <param name="Reason">Machine-readable (see <see cref="Core.Evictor.SkipReasons"/>).</param>
/// <param name="Detail">The human explanation.</param>
public sealed record ReportSkip(string Namespace, string Name, string Uid, string? Node, string Profile, string Plugin, string Reason, string Detail)
{
    public string Key => Namespace + "/" + Name;
}

/// <summary>A warning or a note, with where it came from.</summary>
/// <param name="Profile">Null for a message about the whole plan or an input.</param>
/// <param name="Plugin">Null for a message about the whole plan or an input.</param>
/// <param name="Source">The input a message is about (<see cref="SnapshotSource"/>, <see cref="ClockSource"/>, <see cref="ConnectionSource"/>) or the run (<see cref="RunSource"/>); null for the plan's own messages.</param>
public sealed record ReportMessage(string? Profile, string? Plugin, string Message, string? Source = null)
{
    /// <summary>The snapshot file or the cluster read: its loader's or reader's warnings (unsupported kinds, missing metrics…).</summary>
    public const string SnapshotSource = "snapshot";

    /// <summary>The pinned clock (<c>--now</c>).</summary>
    public const string ClockSource = "clock";

    /// <summary>How the cluster was reached (certificate checks off, credentials over plain http).</summary>
    public const string ConnectionSource = "connection";

    /// <summary>The run among other runs: its lease, the drains an interrupted run left, its Kubernetes Events.</summary>
    public const string RunSource = "run";
}

/// <summary>N-1 headroom of the cluster before and after the plan (either may be null).</summary>
public sealed record ReportHeadroom(ReportHeadroomVerdict? Before, ReportHeadroomVerdict? After);

/// <summary>The verdicts for losing the largest node and for losing a zone (null when no node has a zone label).</summary>
/// <param name="Zone">The worst zone's loss: the largest shortfall, or the largest zone when every zone survives; <see cref="ReportLoss.Survivable"/> only when every zone survives.</param>
public sealed record ReportHeadroomVerdict(ReportLoss Node, ReportLoss? Zone)
{
    /// <summary>Each zone's loss, by zone name, so before and after can be compared zone by zone.</summary>
    public IReadOnlyList<ReportLoss> Zones { get; init; } = [];

    /// <summary>The loss of <paramref name="zone"/>; null when the zone has no considered node here.</summary>
    public ReportLoss? ZoneNamed(string zone) => Zones.FirstOrDefault(z => z.Failed == zone);
}

/// <summary>One failure scenario.</summary>
/// <param name="Failed">The node or zone that fails.</param>
/// <param name="Survivable">Whether every re-fitted pod found room.</param>
/// <param name="Shortfall">Requests that found no room, per resource (empty when survivable).</param>
public sealed record ReportLoss(string? Failed, bool Survivable, IReadOnlyList<ReportAmount> Shortfall);

/// <summary>An amount of a resource: <see cref="Amount"/> at the storage scale (cpu millicores, otherwise units), and for people.</summary>
public sealed record ReportAmount(string Resource, long Amount, string Formatted);

/// <summary>SpotRatio's result. Fractions have four decimal places.</summary>
/// <param name="Shortfall">The cpu and memory on-demand capacity lacks for the rules to hold (empty when none).</param>
public sealed record ReportSpot(
    string Resource,
    decimal MaxSpotFraction,
    decimal FractionBefore,
    decimal FractionAfter,
    IReadOnlyList<ReportWorkload> BelowFloorBefore,
    IReadOnlyList<ReportWorkload> BelowFloorAfter,
    IReadOnlyList<ReportAmount> Shortfall);

/// <summary>A workload with fewer replicas on on-demand nodes than its floor.</summary>
public sealed record ReportWorkload(string Namespace, string Kind, string Name, int Replicas, int OnDemand, int Floor)
{
    /// <summary><c>namespace/Kind name</c>, as eviction reasons write it.</summary>
    public string Key => Namespace + "/" + Kind + " " + Name;
}

/// <summary>Consolidation's result.</summary>
/// <param name="GapToLowerBound"><see cref="NodesAfter"/> minus <see cref="LowerBound"/>: how far from the best any packing could do.</param>
public sealed record ReportConsolidation(
    int NodesBefore,
    int NodesAfter,
    int LowerBound,
    int FirstFitDecreasing,
    int GapToLowerBound,
    int Candidates,
    long SearchSteps,
    bool BudgetExhausted,
    IReadOnlyList<ReportDrainedNode> Drained)
{
    /// <summary>Pods moved off the drained nodes.</summary>
    public int DrainedPods => Drained.Sum(d => d.Moves.Count);
}

/// <summary>A node Consolidation empties, and where each of its pods goes.</summary>
/// <param name="Weight">The node's value when freed (its price, or its size relative to the pool's largest), rounded to 6 places.</param>
public sealed record ReportDrainedNode(string? Node, decimal Weight, IReadOnlyList<ReportMove> Moves)
{
    /// <summary>Whether the node is to be cordoned, and how that went; null when Consolidation's <c>cordon</c> is off.</summary>
    public ReportCordon? Cordon { get; init; }
}

/// <summary>A drained node's cordon: what the plan says and, after a run, what happened.</summary>
/// <param name="Action"><c>Cordon</c>, or <c>AlreadyCordoned</c> for a node unschedulable before the run (left as it is).</param>
/// <param name="Outcome">The execution result; null when the plan was not executed.</param>
public sealed record ReportCordon(string Action, CordonOutcome? Outcome)
{
    /// <summary>For people: <c>to cordon</c>, <c>cordoned</c>, <c>uncordoned (drain incomplete)</c>, <c>cordon failed (HTTP 403)</c>…</summary>
    public string Describe()
    {
        string status = Outcome?.HttpStatus is int code ? string.Create(CultureInfo.InvariantCulture, $" (HTTP {code})") : string.Empty;
        return Outcome?.Outcome switch
        {
            null => Action == nameof(CordonAction.AlreadyCordoned) ? "already cordoned" : "to cordon",
            "Cordoned" => Outcome.Message is null ? "cordoned" : "cordoned (drain incomplete)",
            "Uncordoned" => "uncordoned (drain incomplete)",
            "CordonFailed" => "cordon failed" + status,
            "UncordonFailed" => "uncordon failed" + status + ": still cordoned",
            "AlreadyCordoned" => "already cordoned",
            "NotAttempted" => "not attempted",
            "DryRun" => "to cordon (dry run)",
            string other => other,
        };
    }
}

/// <param name="TargetNode">Where the pod goes; null when no target was simulated.</param>
public sealed record ReportMove(string Namespace, string Name, string? TargetNode)
{
    public string Key => Namespace + "/" + Name;
}

/// <summary>The kube-scheduler scoring the plan assumed.</summary>
/// <param name="Name">The policy's <c>scheduler.name</c>, <c>kube-scheduler default (v1.29–v1.32)</c>, or <c>custom</c>.</param>
/// <param name="IsDefault">Whether plugins, weights and args are kube-scheduler's defaults.</param>
/// <param name="Description">One line for people, e.g. <c>…: TaintToleration ×3, NodeAffinity ×2, …; not modelled: ImageLocality ×1</c>.</param>
public sealed record ReportScheduler(string Name, bool IsDefault, IReadOnlyList<ReportScorePlugin> Plugins, string Description);

/// <summary>One enabled score plugin.</summary>
/// <param name="Settings">Its args for people (e.g. <c>LeastAllocated: cpu 1, memory 1</c>); null for a plugin without args.</param>
/// <param name="NotModelled">Why the model leaves it out; null for a modelled plugin.</param>
public sealed record ReportScorePlugin(string Name, int Weight, string? Settings, string? NotModelled);

/// <summary>A node the plan cordons before the run's first eviction.</summary>
/// <param name="Plugin">The plugin that empties it (<c>Consolidation</c>, <c>HighNodeUtilization</c>).</param>
public sealed record ReportNodeCordon(string Node, string Plugin, ReportCordon Cordon);

/// <summary>The usage history line: what was read from Prometheus and how it covers the snapshot's pods.</summary>
/// <param name="MedianCoveragePercent">Median share of their pod's lifetime in the window the containers' samples cover, one decimal; null without containers in the snapshot.</param>
public sealed record ReportUsageHistory(
    string Source,
    DateTimeOffset End,
    string Window,
    string Step,
    int Containers,
    int ContainersInSnapshot,
    int RunningPods,
    int RunningPodsWithHistory,
    int RunningPodsWithoutSeries,
    decimal? MedianCoveragePercent,
    int ContainersWithGaps,
    int OomKilledContainers,
    int ThrottledContainers)
{
    public static ReportUsageHistory? Of(Core.Usage.UsageSummary? summary) => summary is null ? null : new(
        summary.Source,
        summary.End,
        Core.Usage.Durations.Format(summary.Window),
        Core.Usage.Durations.Format(summary.Step),
        summary.Containers,
        summary.ContainersInSnapshot,
        summary.RunningPods,
        summary.RunningPodsWithHistory,
        summary.RunningPodsWithoutSeries,
        summary.MedianCoverage is double median ? Math.Round((decimal)median * 100, 1) : null,
        summary.ContainersWithGaps,
        summary.OomKilledContainers,
        summary.ThrottledContainers);
}
