using Rebalancer.Core.Model;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Planning;

/// <summary>One planned eviction, in execution order.</summary>
/// <param name="Pod">Pod index in the snapshot.</param>
/// <param name="Node">The node the pod is evicted from.</param>
/// <param name="TargetNode">Where the projection places the pod afterwards (-1 when no target was simulated).</param>
/// <param name="Reason">Why, with the numbers behind it (e.g. "3 replicas of dev/web on n1, fair share 2 over 3 feasible nodes").</param>
public sealed record PlannedEviction(int Pod, int Node, int TargetNode, string Profile, string Plugin, string Reason);

/// <summary>A pod a plugin considered and did not evict.</summary>
/// <param name="Reason">Machine-readable reason: <c>Protected:DaemonSet</c>, <c>NodeFit</c>, <c>Limit:PerNode</c>, <c>PDB</c>…</param>
/// <param name="Detail">The human explanation with its numbers.</param>
public sealed record SkippedPod(int Pod, string Profile, string Plugin, string Reason, string Detail)
{
    /// <summary>For a <c>NodeFit</c> skip: the best candidate node and the predicate it failed; null when no single node explains it.</summary>
    public FitVerdict? Fit { get; init; }

    /// <summary>
    /// Evictions planned when the skip was recorded. Evictions and skips are kept in two lists; this places the skip
    /// between them, so a pod's decisions can be read back in the order they were taken (<see cref="Plan.DecisionsFor"/>).
    /// </summary>
    public int EvictionsBefore { get; init; }
}

/// <summary>The nodeFit predicate that failed on a candidate node (the best one: it got furthest through the checks).</summary>
public readonly record struct FitVerdict(int Node, FitFailure Predicate);

/// <summary>Something a plugin could not do (e.g. metrics missing for a node), reported rather than guessed around.</summary>
public sealed record PlanWarning(string Profile, string Plugin, string Message);

/// <summary>Counts per plugin run, in run order.</summary>
public sealed record PluginRun(string Profile, string Plugin, ExtensionPoint Point, int Evictions, int Skips);

/// <summary>The result of planning: evictions in the order they would be executed, skips, and the projected cluster.</summary>
public sealed class Plan
{
    public required ClusterSnapshot Snapshot { get; init; }

    public required DateTimeOffset Now { get; init; }

    public required IReadOnlyList<PlannedEviction> Evictions { get; init; }

    public required IReadOnlyList<SkippedPod> Skipped { get; init; }

    public required IReadOnlyList<PlanWarning> Warnings { get; init; }

    public required IReadOnlyList<PluginRun> PluginRuns { get; init; }

    /// <summary>Why plugins did nothing or stopped early ("no node is underutilized"); informational, unlike warnings.</summary>
    public IReadOnlyList<PlanWarning> Notes { get; init; } = [];

    /// <summary>Requested resources per node before the plan (row-major, stride = resource count), non-terminal pods only.</summary>
    public required long[] RequestedBefore { get; init; }

    /// <summary>Requested resources per node after the plan, with evicted pods moved to their projected targets.</summary>
    public required long[] RequestedAfter { get; init; }

    /// <summary>The nodes the planner considered (Ready, matching the policy's nodeSelector), by index.</summary>
    public required IReadOnlyList<int> ConsideredNodes { get; init; }

    /// <summary>What the Consolidation plugin decided (null when it did not run).</summary>
    public ConsolidationSummary? Consolidation { get; init; }

    /// <summary>What the SpotRatio plugin found and did (null when it did not run).</summary>
    public SpotSummary? Spot { get; init; }

    /// <summary>
    /// Every node the plan empties, in plan order, with the cordon the executor is to apply before the node's first
    /// eviction: Consolidation's drains and HighNodeUtilization's (with its <c>cordon</c> arg). The executor reads this.
    /// </summary>
    public IReadOnlyList<DrainedNode> Drains { get; init; } = [];

    /// <summary>The kube-scheduler profile the projection assumed for every target (the policy's <c>scheduler:</c>).</summary>
    public Scheduling.SchedulerProfile Scheduler { get; init; } = Scheduling.SchedulerProfile.Default;

    /// <summary>N-1 headroom of the cluster before the plan.</summary>
    public HeadroomVerdict? HeadroomBefore { get; init; }

    /// <summary>N-1 headroom of the projected cluster after the plan.</summary>
    public HeadroomVerdict? HeadroomAfter { get; init; }

    /// <summary>How the usage history read from Prometheus covers the snapshot; null when the plan had no history.</summary>
    public UsageSummary? Usage { get; init; }

    private PlanDecisions? _decisions;

    /// <summary>
    /// Every eviction and skip recorded for <paramref name="pod"/>, in the order the planner took them (empty when no
    /// plugin looked at it). The per-pod index is built on the first call.
    /// </summary>
    public IReadOnlyList<PodDecision> DecisionsFor(int pod) =>
        LazyInitializer.EnsureInitialized(ref _decisions, () => new PlanDecisions(Evictions, Skipped)).For(pod);
}

/// <summary>A node the plan empties (Consolidation, or HighNodeUtilization with <c>cordon</c>), and where its pods go.</summary>
public sealed record DrainedNode(int Node, IReadOnlyList<(int Pod, int Target)> Moves, decimal Weight)
{
    /// <summary>What the executor is to do with the node's schedulability (the plugin's <c>cordon</c> arg).</summary>
    public CordonAction Cordon { get; init; }

    /// <summary>The plugin that empties the node.</summary>
    public string Plugin { get; init; } = string.Empty;

    /// <summary>With <see cref="CordonAction.Cordon"/>: uncordon the node when its drain does not complete (the plugin's arg).</summary>
    public bool UncordonOnIncompleteDrain { get; init; } = true;

    /// <summary>
    /// The cordon a plugin's <c>cordon</c> arg asks for: none when off; nothing to do for a node already unschedulable
    /// in the snapshot (someone else cordoned it: it is neither cordoned nor uncordoned); otherwise cordon it.
    /// </summary>
    public static CordonAction ActionFor(bool cordon, ClusterSnapshot snapshot, int node) =>
        !cordon ? CordonAction.None : snapshot.Nodes.IsUnschedulable(node) ? CordonAction.AlreadyCordoned : CordonAction.Cordon;
}

/// <summary>
/// Whether a drained node is to be cordoned before its evictions. The plan only says so; the executor sends the PATCH
/// (docs/design/0003-consolidation.md, "Cordon").
/// </summary>
public enum CordonAction
{
    /// <summary>Cordoning is off: the node is left as it is.</summary>
    None,

    /// <summary>Cordon the node before the run's first eviction; uncordon it if the drain does not complete (when configured).</summary>
    Cordon,

    /// <summary>Already unschedulable in the snapshot: someone else cordoned it, so it is neither cordoned nor uncordoned.</summary>
    AlreadyCordoned,
}

/// <summary>Consolidation's result: the nodes to drain, node counts and how close the result is to the best possible.</summary>
/// <param name="NodesBefore">Considered nodes in the plugin's pool before the plan.</param>
/// <param name="NodesAfter">Nodes left once the drained ones are removed.</param>
/// <param name="LowerBound">No packing can use fewer nodes: max over resources of ceil(total requests / largest allocatable).</param>
/// <param name="FirstFitDecreasing">Nodes a first-fit-decreasing packing of every pod onto the pool's node shapes needs: an achievable estimate.</param>
/// <param name="Candidates">Nodes that passed the candidate filters (utilization, pool, every pod movable).</param>
/// <param name="SearchSteps">Fit evaluations spent (bounded by the plugin's search budget).</param>
public sealed record ConsolidationSummary(
    IReadOnlyList<DrainedNode> Drained,
    int NodesBefore,
    int NodesAfter,
    int LowerBound,
    int FirstFitDecreasing,
    int Candidates,
    long SearchSteps,
    bool BudgetExhausted)
{
    /// <summary>With <see cref="CordonAction.Cordon"/> nodes: uncordon those whose drain does not complete.</summary>
    public bool UncordonOnIncompleteDrain { get; init; } = true;
}

/// <summary>A workload with fewer replicas on on-demand capacity than its floor.</summary>
public sealed record OnDemandShortfall(int Namespace, int OwnerKind, int OwnerName, int Replicas, int OnDemand, int Floor);

/// <summary>Spot versus on-demand, before and after the plan.</summary>
/// <param name="Resource">The resource the fraction is measured in (cpu by default).</param>
/// <param name="ShortfallCpuMilli">cpu that on-demand capacity lacks to bring the ratio within the limit (0 when it fits).</param>
public sealed record SpotSummary(
    string Resource,
    decimal MaxSpotFraction,
    decimal FractionBefore,
    decimal FractionAfter,
    IReadOnlyList<OnDemandShortfall> BelowFloorBefore,
    IReadOnlyList<OnDemandShortfall> BelowFloorAfter,
    long ShortfallCpuMilli,
    long ShortfallMemory);

/// <summary>Would every pod still fit if the largest node failed, or any one zone?</summary>
/// <param name="NodeShortfall">Requests that would find no room if the largest node failed, per resource name (empty when it passes).</param>
/// <param name="ZoneLossSurvivable">Every zone's loss is survivable; null when no node has a zone label.</param>
/// <param name="WorstZone">The zone whose loss leaves the largest shortfall (the largest zone when every loss is survivable).</param>
/// <param name="ZoneShortfall">The <paramref name="WorstZone"/>'s shortfall.</param>
public sealed record HeadroomVerdict(
    bool NodeLossSurvivable,
    int LargestNode,
    IReadOnlyDictionary<string, long> NodeShortfall,
    bool? ZoneLossSurvivable,
    string? WorstZone,
    IReadOnlyDictionary<string, long> ZoneShortfall)
{
    /// <summary>Each zone's loss, by zone name; empty when no node has a zone label.</summary>
    public IReadOnlyList<ZoneLoss> Zones { get; init; } = [];
}

/// <summary>The loss of one zone: its pods re-fitted onto the other zones' nodes.</summary>
/// <param name="Shortfall">Requests that found no room, per resource name (empty when survivable).</param>
public sealed record ZoneLoss(string Zone, bool Survivable, IReadOnlyDictionary<string, long> Shortfall);
