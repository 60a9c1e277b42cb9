using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Reporting;

/// <summary>
/// What <c>rebalancer explain</c> prints about one pod, resolved from a <see cref="PodExplanation"/> once so the text
/// and JSON forms cannot disagree: the pod, a one-line verdict, every decision plugins recorded about it in plan order,
/// and the context a pod no plugin looked at still needs (the evictor's verdict per profile, its PodDisruptionBudget,
/// the plugins that ran and their notes).
/// </summary>
public sealed class ExplainReport
{
    public const string Kind = "PodExplanation";

    private ExplainReport(ReportContext context, DateTimeOffset now)
    {
        Context = context;
        Now = now;
    }

    public ReportContext Context { get; }

    public DateTimeOffset Now { get; }

    public string Namespace { get; private init; } = string.Empty;

    public string Name { get; private init; } = string.Empty;

    public string Uid { get; private init; } = string.Empty;

    /// <summary>The node the pod is bound to, or null.</summary>
    public string? Node { get; private init; }

    public string Phase { get; private init; } = string.Empty;

    /// <summary>The controlling owner, "Kind name", or null for a bare pod.</summary>
    public string? Owner { get; private init; }

    /// <summary>Why plugins do not visit the pod's node; null when they do.</summary>
    public string? NodeNote { get; private init; }

    /// <summary><c>Evicted</c>, <c>Skipped</c> or <c>NotConsidered</c>.</summary>
    public string Outcome { get; private init; } = string.Empty;

    /// <summary>The verdict in one sentence, with the rule or the reason behind it.</summary>
    public string Verdict { get; private init; } = string.Empty;

    public IReadOnlyList<ExplainDecision> Decisions { get; private init; } = [];

    public IReadOnlyList<ExplainEvictorVerdict> Evictor { get; private init; } = [];

    public ExplainPdb? Pdb { get; private init; }

    public IReadOnlyList<ExplainPluginRun> Plugins { get; private init; } = [];

    /// <summary>Warnings about the inputs, of the planner itself and of the evictor (those of a plugin are listed with its run).</summary>
    public IReadOnlyList<ReportMessage> Warnings { get; private init; } = [];

    public string Key => Namespace + "/" + Name;

    public static ExplainReport From(Plan plan, PodExplanation explanation, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(explanation);
        ArgumentNullException.ThrowIfNull(context);
        ClusterSnapshot snapshot = plan.Snapshot;
        PodTable pods = snapshot.Pods;
        int pod = explanation.Pod;
        string? node = explanation.Node >= 0 ? snapshot.Nodes.Name[explanation.Node]
            : pods.NodeName[pod] != 0 ? snapshot.Strings[pods.NodeName[pod]] : null;

        var decisions = new List<ExplainDecision>(explanation.Decisions.Count);
        foreach (PodDecision d in explanation.Decisions)
        {
            if (d.Eviction is PlannedEviction e)
            {
                decisions.Add(new ExplainDecision(d.Sequence, e.Profile, e.Plugin, "Evicted", e.Reason, null,
                    e.Node >= 0 ? snapshot.Nodes.Name[e.Node] : node, e.TargetNode >= 0 ? snapshot.Nodes.Name[e.TargetNode] : null,
                    d.EvictionIndex, null, null));
            }
            else if (d.Skip is SkippedPod s)
            {
                decisions.Add(new ExplainDecision(d.Sequence, s.Profile, s.Plugin, "Skipped", s.Reason, s.Detail, node, null, null,
                    s.Fit is FitVerdict f ? snapshot.Nodes.Name[f.Node] : null, s.Fit?.Predicate.ToString()));
            }
        }

        List<ExplainEvictorVerdict> evictor = explanation.Evictor
            .Select(v => new ExplainEvictorVerdict(v.Profile, v.Protection?.Reason, v.Protection?.Detail))
            .ToList();

        ExplainPdb? pdb = explanation.Pdb is PdbStanding standing
            ? new ExplainPdb(
                standing.Multiple ? null : snapshot.Strings[snapshot.Pdbs[standing.Pdb].Namespace] + "/" + snapshot.Pdbs[standing.Pdb].Name,
                standing.Multiple, standing.AllowedAtStart, standing.RemainingAfterPlan, standing.SpentByPlan, standing.Recomputed)
            : null;

        List<ExplainPluginRun> plugins = explanation.Plugins
            .Select(p => new ExplainPluginRun(p.Run.Profile, p.Run.Plugin, p.Run.Point.ToString(), p.Run.Evictions, p.Run.Skips, p.Notes, p.Warnings))
            .ToList();

        string? owner = pods.TryGetController(pod, out OwnerRef o) ? snapshot.Strings[o.Kind] + " " + snapshot.Strings[o.Name] : null;
        return new ExplainReport(context, plan.Now)
        {
            Namespace = snapshot.Strings[pods.Namespace[pod]],
            Name = pods.Name[pod],
            Uid = pods.Uid[pod],
            Node = node,
            Phase = pods.Phase[pod].ToString(),
            Owner = owner,
            NodeNote = explanation.NodeNote,
            Outcome = explanation.Outcome.ToString(),
            Verdict = VerdictOf(explanation, decisions, evictor, plugins, plan.Evictions.Count),
            Decisions = decisions,
            Evictor = evictor,
            Pdb = pdb,
            Plugins = plugins,
            Warnings = context.Warnings
                .Concat(explanation.PlanWarnings.Select(w => new ReportMessage(w.Profile.Length == 0 ? null : w.Profile, w.Plugin.Length == 0 ? null : w.Plugin, w.Message)))
                .ToList(),
        };
    }

    private static string VerdictOf(PodExplanation explanation, List<ExplainDecision> decisions, List<ExplainEvictorVerdict> evictor,
        List<ExplainPluginRun> plugins, int evictionCount)
    {
        if (decisions.FirstOrDefault(d => d.EvictionIndex is not null) is ExplainDecision eviction)
        {
            string count = $"eviction {ReportFormat.Count(eviction.EvictionNumber!.Value)} of {ReportFormat.Count(evictionCount)}";
            string move = eviction.TargetNode is null ? "no target needed" : $"from {eviction.Node ?? "-"} to {eviction.TargetNode}";
            return $"evicted by {eviction.Plugin} ({count}, {move}): {eviction.Reason}";
        }

        if (decisions.Count > 0)
        {
            // The last skip is the final word; earlier ones are in the decision list.
            ExplainDecision last = decisions[^1];
            string times = decisions.Count == 1 ? string.Empty : $" ({ReportFormat.Count(decisions.Count)} skips; the last)";
            return $"not evicted: skipped by {last.Plugin}{times}: {last.Reason}: {last.Detail}";
        }

        if (explanation.NodeNote is string note)
        {
            return "no plugin looked at it: " + note;
        }

        if (plugins.Count == 0)
        {
            return "no plugin looked at it: no plugin ran (see the warnings)";
        }

        if (evictor.Count > 0 && evictor.All(v => v.Reason is not null))
        {
            ExplainEvictorVerdict first = evictor[0];
            return $"no plugin looked at it; the evictor protects it: {first.Reason}: {first.Detail}";
        }

        return "no plugin looked at it: the evictor allows its eviction, but no plugin's rule selected it (see the plugins' notes)";
    }
}

/// <summary>
/// One decision about the pod. Numbers for people count from 1 (<see cref="Step"/>, <see cref="EvictionNumber"/>: the
/// text's <c>#N</c> and the plan report's <c>#</c> column); indexes count from 0 (<see cref="Sequence"/>,
/// <see cref="EvictionIndex"/>: <c>evictions[EvictionIndex]</c> of the JSON plan report). The JSON carries both.
/// </summary>
/// <param name="Sequence">Position among all of the plan's decisions, from 0.</param>
/// <param name="Decision"><c>Evicted</c> or <c>Skipped</c>.</param>
/// <param name="Reason">For an eviction the rule with its numbers; for a skip the machine-readable reason.</param>
/// <param name="Detail">For a skip, the human explanation; null for an eviction.</param>
/// <param name="EvictionIndex">For an eviction, its place in execution order, from 0.</param>
/// <param name="FitNode">For a NodeFit skip, the best candidate node, when one node explains it.</param>
/// <param name="FitPredicate">The nodeFit predicate <paramref name="FitNode"/> failed (<see cref="FitFailure"/> names).</param>
public sealed record ExplainDecision(
    int Sequence,
    string Profile,
    string Plugin,
    string Decision,
    string Reason,
    string? Detail,
    string? Node,
    string? TargetNode,
    int? EvictionIndex,
    string? FitNode,
    string? FitPredicate)
{
    /// <summary>The decision's step among all of the plan's decisions, from 1 (<see cref="Sequence"/> + 1).</summary>
    public int Step => Sequence + 1;

    /// <summary>For an eviction, its number in execution order, from 1 (<see cref="EvictionIndex"/> + 1).</summary>
    public int? EvictionNumber => EvictionIndex + 1;
}

/// <summary>The evictor's verdict in one profile: <paramref name="Reason"/> is null when the pod may be evicted.</summary>
public sealed record ExplainEvictorVerdict(string Profile, string? Reason, string? Detail)
{
    public bool Evictable => Reason is null;
}

/// <summary>The pod's PodDisruptionBudget; <paramref name="Name"/> is null when several select it.</summary>
public sealed record ExplainPdb(string? Name, bool Multiple, int AllowedAtStart, int RemainingAfterPlan, int SpentByPlan, bool Recomputed);

/// <summary>A plugin run, with the notes and warnings it left.</summary>
public sealed record ExplainPluginRun(string Profile, string Plugin, string ExtensionPoint, int Evictions, int Skipped,
    IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings);
