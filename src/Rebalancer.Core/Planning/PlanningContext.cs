using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Planning;

/// <summary>What happened to one eviction a strategy asked for; strategies react to the limit outcomes as the descheduler's do.</summary>
public enum EvictResult
{
    Evicted,
    Skipped,

    /// <summary>The per-node limit is reached: the descheduler's plugins move on to the next node.</summary>
    NodeLimitReached,

    /// <summary>The total limit is reached: the descheduler's plugins stop.</summary>
    TotalLimitReached,
}

/// <summary>
/// The state one planning run shares between strategies: the snapshot, the clock value, the cumulative projection, the
/// PDB ledger and the limits. Strategies only ask (<see cref="TryEvict"/>); every check and every record happens here,
/// so no strategy can evict a protected pod, overspend a budget or place a pod where it does not fit.
/// </summary>
public sealed class PlanningContext
{
    private readonly PlanningSettings _settings;
    private readonly List<PlannedEviction> _evictions = [];
    private readonly List<bool> _spentBudget = [];
    private readonly List<SkippedPod> _skipped = [];
    private readonly List<PlanWarning> _warnings = [];
    private readonly List<PlanWarning> _notes = [];
    private readonly List<DrainedNode> _drains = [];
    private readonly bool[] _evicted;
    private readonly int[] _evictedPerNode;
    private readonly Dictionary<int, int> _evictedPerNamespace = [];
    private readonly List<int> _readyNodes = [];
    private List<int> _targetCandidates = [];
    private readonly Dictionary<PlanningProfile, (DefaultEvictor, List<int>)> _evictors = new(ReferenceEqualityComparer.Instance);
    private DefaultEvictor? _evictor;

    public PlanningContext(ClusterSnapshot snapshot, PlanningSettings settings, DateTimeOffset now)
    {
        Snapshot = snapshot;
        _settings = settings;
        Now = now;
        Projection = new Projection(snapshot);
        StaticFit = new StaticFitIndex(snapshot);
        Targets = new TargetFinder(snapshot, Projection, StaticFit, settings.Scheduler);
        Ledger = new PdbLedger(snapshot);
        _evicted = new bool[snapshot.Pods.Count];
        _evictedPerNode = new int[snapshot.Nodes.Count];

        var nodeSelector = settings.NodeSelector?.Compile(snapshot.Strings);
        var considered = new List<int>();
        for (int n = 0; n < snapshot.Nodes.Count; n++)
        {
            if (!snapshot.Nodes.IsReady(n))
            {
                continue;
            }

            _readyNodes.Add(n);
            if (nodeSelector is null || nodeSelector.Matches(snapshot.Nodes.Labels[n]))
            {
                considered.Add(n);
            }
        }

        Nodes = considered;
    }

    public ClusterSnapshot Snapshot { get; }

    public DateTimeOffset Now { get; }

    /// <summary>What was read from Prometheus beside the snapshot (<see cref="PlanningSettings.Usage"/>).</summary>
    public UsageInputs Usage => _settings.Usage;

    /// <summary>The usage history resolved to the snapshot's pods; null without a history.</summary>
    public UsageHistoryMatch? History => _history ??= _settings.Usage.History is { } history ? new UsageHistoryMatch(history, Snapshot) : null;

    private UsageHistoryMatch? _history;

    public Projection Projection { get; }

    public TargetFinder Targets { get; }

    /// <summary>The static nodeFit predicates per node, shared by every plugin and the headroom check (they never change).</summary>
    public StaticFitIndex StaticFit { get; }

    public PdbLedger Ledger { get; }

    /// <summary>The nodes plugins work on: Ready and matching the policy's nodeSelector (cordoned ones included, as in the descheduler).</summary>
    public IReadOnlyList<int> Nodes { get; }

    /// <summary>Ready nodes a pod may be moved to: all Ready nodes matching the evictor's own nodeSelector.</summary>
    public IReadOnlyList<int> TargetCandidates => _targetCandidates;

    public string Profile { get; private set; } = string.Empty;

    public string Plugin { get; private set; } = string.Empty;

    public DefaultEvictor Evictor => _evictor ?? throw new InvalidOperationException("No profile is active.");

    public IReadOnlyList<PlannedEviction> Evictions => _evictions;

    public IReadOnlyList<SkippedPod> Skipped => _skipped;

    public IReadOnlyList<PlanWarning> Warnings => _warnings;

    public bool IsEvicted(int pod) => _evicted[pod];

    /// <summary>Set by the Consolidation plugin for the report.</summary>
    public ConsolidationSummary? Consolidation { get; set; }

    /// <summary>Set by the SpotRatio plugin for the report.</summary>
    public SpotSummary? Spot { get; set; }

    /// <summary>Every node the plan empties so far (Consolidation, HighNodeUtilization), in plan order.</summary>
    public IReadOnlyList<DrainedNode> Drains => _drains;

    /// <summary>The kube-scheduler profile targets are chosen with.</summary>
    public Scheduling.SchedulerProfile Scheduler => _settings.Scheduler;

    /// <summary>
    /// Records a node the plan empties, with the cordon the executor applies before its first eviction. The node is no
    /// target for any later placement: it is cordoned, or (cordon off) going away.
    /// </summary>
    public void AddDrain(DrainedNode drain)
    {
        _drains.Add(drain with { Plugin = Plugin });
        Targets.MarkDraining(drain.Node);
    }

    /// <summary>Evictions planned so far from a node (all plugins).</summary>
    public int EvictedFrom(int node) => _evictedPerNode[node];

    internal void BeginProfile(PlanningProfile profile)
    {
        Profile = profile.Name;
        if (!_evictors.TryGetValue(profile, out (DefaultEvictor Evictor, List<int> Targets) compiled))
        {
            // Compiled once per profile: profiles are visited once per extension point.
            var warnings = new List<string>();
            var evictor = new DefaultEvictor(Snapshot, profile.Evictor, Now, Ledger.HasPdb, warnings);
            foreach (string warning in warnings)
            {
                _warnings.Add(new PlanWarning(profile.Name, StrategyCatalogNames.DefaultEvictor, warning));
            }

            Model.LabelSelector? selector = evictor.NodeSelector;
            compiled = (evictor, selector is null ? _readyNodes : _readyNodes.Where(n => selector.Matches(Snapshot.Nodes.Labels[n])).ToList());
            _evictors[profile] = compiled;
        }

        (_evictor, _targetCandidates) = compiled;
    }

    internal void BeginPlugin(string plugin) => Plugin = plugin;

    /// <summary>
    /// The evictor's Filter plus "already evicted by an earlier plugin": null when the pod may be considered.
    /// Strategies call it while selecting candidates, as descheduler plugins call Evictor().Filter when listing pods.
    /// </summary>
    public Protection? Filter(int pod)
    {
        if (_evicted[pod])
        {
            return new Protection(SkipReasons.AlreadyEvicted, "already evicted earlier in this plan");
        }

        return Evictor.Filter(pod);
    }

    /// <summary>
    /// Removes from <paramref name="pods"/> every pod the evictor's Filter protects (or that an earlier plugin already
    /// evicted), recording a skip for each, as <see cref="TryEvict"/> does for a Deschedule plugin's candidates: a pod a
    /// Balance plugin passes over for a protection is explained, never silently left out.
    /// </summary>
    public void RemoveProtected(List<int> pods)
    {
        pods.RemoveAll(pod =>
        {
            if (Filter(pod) is not Protection protection)
            {
                return false;
            }

            Skip(pod, protection.Reason, protection.Detail);
            return true;
        });
    }

    /// <summary>
    /// Plans the eviction of <paramref name="pod"/> if every check passes, in the descheduler's order: Filter,
    /// PreEvictionFilter (namespace selector, then nodeFit against the projection), the total / per-node / per-namespace
    /// limits, then the PDB ledger. On success the pod moves to its projected target and the budgets are spent;
    /// otherwise a skip with its reason is recorded. A pod that is not running (Succeeded, Failed, unbound) needs no
    /// target: it is evicted with target -1 and counted on the node it is bound to.
    /// </summary>
    public EvictResult TryEvict(int pod, string reason, Func<int, bool>? allowTarget = null) =>
        Evict(pod, reason, () =>
        {
            int target = Targets.FindTarget(pod, _targetCandidates, out string detail, allowTarget);
            return (target, detail, target < 0 && Targets.LastFailure.Node >= 0 ? Targets.LastFailure : null);
        });

    /// <summary>
    /// Like <see cref="TryEvict"/>, but to a target the strategy chose itself (e.g. Consolidation's best fit): the target
    /// must still pass every nodeFit predicate in the projection and be one of <see cref="TargetCandidates"/>.
    /// </summary>
    public EvictResult TryEvictTo(int pod, int target, string reason) =>
        Evict(pod, reason, () =>
        {
            if (!_targetCandidates.Contains(target))
            {
                return (-1, $"{Snapshot.Nodes.Name[target]} is not a Ready node the evictor may use", null);
            }

            FitFailure fit = Targets.Check(pod, target, out string detail);
            return fit == FitFailure.None ? (target, string.Empty, null) : (-1, $"{Snapshot.Nodes.Name[target]}: {detail}", new FitVerdict(target, fit));
        });

    /// <summary>A point the plan can be rolled back to, for strategies that must do all of a group of evictions or none.</summary>
    public PlanMark Mark() => new(_evictions.Count, _skipped.Count);

    /// <summary>Undoes every eviction and skip recorded since <paramref name="mark"/>: projection, ledger and limits included.</summary>
    public void RollbackTo(PlanMark mark)
    {
        for (int i = _evictions.Count - 1; i >= mark.Evictions; i--)
        {
            PlannedEviction eviction = _evictions[i];
            Projection.Move(eviction.Pod, eviction.TargetNode < 0 ? Projection.NodeOf(eviction.Pod) : eviction.Node);
            if (_spentBudget[i])
            {
                Ledger.Refund(eviction.Pod);
            }

            _evicted[eviction.Pod] = false;
            if (eviction.Node >= 0)
            {
                _evictedPerNode[eviction.Node]--;
            }

            int ns = Snapshot.Pods.Namespace[eviction.Pod];
            _evictedPerNamespace[ns]--;
        }

        _evictions.RemoveRange(mark.Evictions, _evictions.Count - mark.Evictions);
        _spentBudget.RemoveRange(mark.Evictions, _spentBudget.Count - mark.Evictions);
        _skipped.RemoveRange(mark.Skips, _skipped.Count - mark.Skips);
    }

    private EvictResult Evict(int pod, string reason, Func<(int Target, string Failure, FitVerdict? Fit)> chooseTarget)
    {
        Protection? protection = Filter(pod) ?? Evictor.PreEvictionFilter(pod);
        if (protection is Protection p)
        {
            Skip(pod, p.Reason, p.Detail);
            return EvictResult.Skipped;
        }

        int node = Projection.NodeOf(pod);
        int target = -1;
        if (node >= 0)
        {
            (target, string failure, FitVerdict? fit) = chooseTarget();
            if (target < 0)
            {
                Skip(pod, SkipReasons.NodeFit, failure, fit);
                return EvictResult.Skipped;
            }
        }
        else
        {
            // Not running (Succeeded/Failed, or never bound): it holds no resources and nothing reschedules it, so there
            // is no target to find. The limits still count it on the node it is bound to, as the descheduler does.
            node = Snapshot.Pods.Node[pod];
            reason += $"; not running (phase {Snapshot.Pods.Phase[pod]}): no target needed";
        }

        int ns = Snapshot.Pods.Namespace[pod];
        if (_settings.MaxPodsToEvictTotal is uint total && _evictions.Count >= total)
        {
            Skip(pod, SkipReasons.LimitTotal, $"maxNoOfPodsToEvictTotal {total} reached");
            return EvictResult.TotalLimitReached;
        }

        if (_settings.MaxPodsToEvictPerNode is uint perNode && node >= 0 && _evictedPerNode[node] >= perNode)
        {
            Skip(pod, SkipReasons.LimitPerNode, $"maxNoOfPodsToEvictPerNode {perNode} reached on {Snapshot.Nodes.Name[node]}");
            return EvictResult.NodeLimitReached;
        }

        if (_settings.MaxPodsToEvictPerNamespace is uint perNamespace && _evictedPerNamespace.GetValueOrDefault(ns) >= perNamespace)
        {
            Skip(pod, SkipReasons.LimitPerNamespace, $"maxNoOfPodsToEvictPerNamespace {perNamespace} reached in {Snapshot.Strings[ns]}");
            return EvictResult.Skipped;
        }

        Protection? budget = Ledger.Check(pod, out bool spendsBudget);
        if (budget is Protection b)
        {
            Skip(pod, b.Reason, b.Detail);
            return EvictResult.Skipped;
        }

        if (spendsBudget)
        {
            int pdb = Ledger.PdbOf(pod);
            Ledger.Spend(pod);
            reason += $"; PodDisruptionBudget {Ledger.Describe(pdb)} allows {Ledger.Remaining(pdb)} more";
        }

        _evicted[pod] = true;
        if (node >= 0)
        {
            _evictedPerNode[node]++;
        }

        _evictedPerNamespace[ns] = _evictedPerNamespace.GetValueOrDefault(ns) + 1;
        Projection.Move(pod, target);
        _evictions.Add(new PlannedEviction(pod, node, target, Profile, Plugin, reason));
        _spentBudget.Add(spendsBudget);
        return EvictResult.Evicted;
    }

    /// <param name="fit">For a NodeFit skip, the best candidate node and the predicate it failed, when one node explains it.</param>
    public void Skip(int pod, string reason, string detail, FitVerdict? fit = null) =>
        _skipped.Add(new SkippedPod(pod, Profile, Plugin, reason, detail) { Fit = fit, EvictionsBefore = _evictions.Count });

    /// <summary>Records why a plugin did nothing or stopped early (e.g. "no node is underutilized"), for the report.</summary>
    public void Note(string message) => _notes.Add(new PlanWarning(Profile, Plugin, message));

    public IReadOnlyList<PlanWarning> Notes => _notes;

    /// <summary>Reports what a plugin could not do (e.g. missing metrics) instead of guessing.</summary>
    public void Warn(string message) => _warnings.Add(new PlanWarning(Profile, Plugin, message));
}

/// <summary>A position in the plan (see <see cref="PlanningContext.Mark"/>).</summary>
public readonly record struct PlanMark(int Evictions, int Skips);

internal static class StrategyCatalogNames
{
    public const string DefaultEvictor = "DefaultEvictor";
}
