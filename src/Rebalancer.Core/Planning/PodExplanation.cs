using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;

namespace Rebalancer.Core.Planning;

/// <summary>What the plan did with a pod, in one word.</summary>
public enum PodOutcome
{
    /// <summary>A plugin planned its eviction.</summary>
    Evicted,

    /// <summary>Plugins considered it and skipped it every time.</summary>
    Skipped,

    /// <summary>No plugin recorded a decision about it.</summary>
    NotConsidered,
}

/// <summary>The evictor's Filter and PreEvictionFilter for a pod under one profile: null when it may be evicted.</summary>
public sealed record EvictorVerdict(string Profile, Protection? Protection);

/// <summary>The PodDisruptionBudget selecting a pod, and its budget before and after the plan.</summary>
/// <param name="Pdb">The PDB's index in the snapshot; <see cref="PdbLedger.MultiplePdbs"/> when several select the pod.</param>
/// <param name="SpentByPlan">Planned evictions that spend this budget.</param>
public sealed record PdbStanding(int Pdb, int AllowedAtStart, int RemainingAfterPlan, int SpentByPlan, bool Recomputed)
{
    public bool Multiple => Pdb == PdbLedger.MultiplePdbs;
}

/// <summary>A plugin run with the notes and warnings it left (why it did nothing or stopped early).</summary>
public sealed record PluginRunNotes(PluginRun Run, IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings);

/// <summary>
/// Everything the plan says about one pod, for <c>rebalancer explain</c>: the decisions plugins recorded, in plan
/// order, and — so a pod no plugin looked at still gets an answer — where it runs, what the evictor's filter says about
/// it in each profile, its PodDisruptionBudget and which plugins ran. Computed after planning from the plan and the
/// settings it was made with; the plan is not changed.
/// </summary>
public sealed class PodExplanation
{
    private PodExplanation(
        int pod,
        int node,
        string? nodeNote,
        IReadOnlyList<PodDecision> decisions,
        IReadOnlyList<EvictorVerdict> evictor,
        PdbStanding? pdb,
        IReadOnlyList<PluginRunNotes> plugins,
        IReadOnlyList<PlanWarning> planWarnings)
    {
        Pod = pod;
        Node = node;
        NodeNote = nodeNote;
        Decisions = decisions;
        Evictor = evictor;
        Pdb = pdb;
        Plugins = plugins;
        PlanWarnings = planWarnings;
        Eviction = decisions.FirstOrDefault(d => d.Eviction is not null);
        Outcome = Eviction is not null ? PodOutcome.Evicted : decisions.Count > 0 ? PodOutcome.Skipped : PodOutcome.NotConsidered;
    }

    public int Pod { get; }

    /// <summary>The node the pod is bound to in the snapshot, or -1.</summary>
    public int Node { get; }

    /// <summary>Why plugins do not work on the pod's node (not Ready, outside the policy's nodeSelector, unbound); null when they do.</summary>
    public string? NodeNote { get; }

    public PodOutcome Outcome { get; }

    /// <summary>The decision that evicts the pod (a plan evicts a pod at most once), or null.</summary>
    public PodDecision? Eviction { get; }

    /// <summary>Every decision about the pod, in the order the planner took them.</summary>
    public IReadOnlyList<PodDecision> Decisions { get; }

    /// <summary>One verdict per profile, in policy order.</summary>
    public IReadOnlyList<EvictorVerdict> Evictor { get; }

    /// <summary>Null when no PodDisruptionBudget selects the pod.</summary>
    public PdbStanding? Pdb { get; }

    /// <summary>Every plugin run, in run order.</summary>
    public IReadOnlyList<PluginRunNotes> Plugins { get; }

    /// <summary>Warnings not tied to a plugin run (the planner's own, the evictor's).</summary>
    public IReadOnlyList<PlanWarning> PlanWarnings { get; }

    /// <summary>The pod's index, or -1 when the snapshot has no pod <paramref name="name"/> in <paramref name="namespace"/>.</summary>
    public static int FindPod(ClusterSnapshot snapshot, string @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        int ns = snapshot.Strings.Find(@namespace);
        if (ns < 0)
        {
            return -1;
        }

        PodTable pods = snapshot.Pods;
        for (int p = 0; p < pods.Count; p++)
        {
            if (pods.Namespace[p] == ns && pods.Name.ValueEquals(p, name))
            {
                return p;
            }
        }

        return -1;
    }

    /// <summary>Explains <paramref name="pod"/> in <paramref name="plan"/>, which must have been made with <paramref name="settings"/>.</summary>
    public static PodExplanation Explain(Plan plan, PlanningSettings settings, int pod)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(settings);
        ClusterSnapshot snapshot = plan.Snapshot;
        ArgumentOutOfRangeException.ThrowIfNegative(pod);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(pod, snapshot.Pods.Count);

        int node = snapshot.Pods.Node[pod];
        var ledger = new PdbLedger(snapshot);
        var evictor = new List<EvictorVerdict>(settings.Profiles.Count);
        foreach (PlanningProfile profile in settings.Profiles)
        {
            // The same evictor the planner compiled for the profile; its warnings are already in the plan.
            var compiled = new DefaultEvictor(snapshot, profile.Evictor, plan.Now, ledger.HasPdb, []);
            evictor.Add(new EvictorVerdict(profile.Name, compiled.Filter(pod) ?? compiled.PreEvictionFilter(pod)));
        }

        var plugins = new List<PluginRunNotes>(plan.PluginRuns.Count);
        var runKeys = new HashSet<(string, string)>();
        foreach (PluginRun run in plan.PluginRuns)
        {
            runKeys.Add((run.Profile, run.Plugin));
            plugins.Add(new PluginRunNotes(
                run,
                plan.Notes.Where(n => n.Profile == run.Profile && n.Plugin == run.Plugin).Select(n => n.Message).ToList(),
                plan.Warnings.Where(w => w.Profile == run.Profile && w.Plugin == run.Plugin).Select(w => w.Message).ToList()));
        }

        List<PlanWarning> planWarnings = plan.Warnings.Where(w => !runKeys.Contains((w.Profile, w.Plugin))).ToList();
        return new PodExplanation(pod, node, DescribeNode(plan, settings, pod, node), plan.DecisionsFor(pod), evictor,
            PdbOf(plan, ledger, pod), plugins, planWarnings);
    }

    private static string? DescribeNode(Plan plan, PlanningSettings settings, int pod, int node)
    {
        ClusterSnapshot snapshot = plan.Snapshot;
        if (node < 0)
        {
            int name = snapshot.Pods.NodeName[pod];
            return name == 0
                ? $"not bound to a node (phase {snapshot.Pods.Phase[pod]}): plugins visit pods node by node"
                : $"bound to node {snapshot.Strings[name]}, which is not in the snapshot";
        }

        if (plan.ConsideredNodes.Contains(node))
        {
            return null;
        }

        if (!snapshot.Nodes.IsReady(node))
        {
            return $"node {snapshot.Nodes.Name[node]} is not Ready: plugins work on Ready nodes only";
        }

        return $"node {snapshot.Nodes.Name[node]} does not match the policy's nodeSelector {settings.NodeSelector}: plugins work on matching nodes only";
    }

    private static PdbStanding? PdbOf(Plan plan, PdbLedger ledger, int pod)
    {
        int pdb = ledger.PdbOf(pod);
        if (pdb == PdbLedger.NoPdb)
        {
            return null;
        }

        if (pdb == PdbLedger.MultiplePdbs)
        {
            return new PdbStanding(pdb, 0, 0, 0, false);
        }

        // Replay the plan's evictions through a fresh ledger, in plan order, to see what they left of this budget.
        int spent = 0;
        foreach (PlannedEviction eviction in plan.Evictions)
        {
            if (ledger.PdbOf(eviction.Pod) == pdb && ledger.Check(eviction.Pod, out bool spends) is null && spends)
            {
                ledger.Spend(eviction.Pod);
                spent++;
            }
        }

        return new PdbStanding(pdb, ledger.AllowedAtStart(pdb), ledger.Remaining(pdb), spent, ledger.WasRecomputed(pdb));
    }
}
