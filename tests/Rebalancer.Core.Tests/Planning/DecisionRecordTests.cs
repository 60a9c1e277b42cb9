using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Core.Strategies.RemovePodsViolatingNodeTaints;
using Rebalancer.Core.Strategies.SpotRatio;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Planning;

/// <summary>
/// The per-pod decision record (<see cref="Plan.DecisionsFor"/>, <see cref="PodExplanation"/>): every decision carries
/// its rule and numbers, or names what stopped it — the protection, the PDB and its budget, the limit and its value,
/// the nodeFit predicate that failed on the best candidate node.
/// </summary>
public sealed class DecisionRecordTests
{
    private const string CapacityType = "karpenter.sh/capacity-type";

    /// <param name="Decisions">"Evicted" or "Skipped:REASON" per decision, in plan order.</param>
    /// <param name="Text">Must appear in the eviction's reason or the skip's detail (the last decision).</param>
    /// <param name="Fit">"node/Predicate" of the last decision's structured nodeFit verdict, or null for none.</param>
    public sealed record Case(
        string Name,
        Func<TestCluster> Cluster,
        Func<IStrategy> Strategy,
        string Pod,
        string[] Decisions,
        string? Text = null,
        string? Target = null,
        string? Fit = null,
        PlanningSettings? Planning = null)
    {
        public override string ToString() => Name;
    }

    private static RemovePodsViolatingNodeTaintsStrategy Taints() => new RemovePodsViolatingNodeTaintsStrategy(new RemovePodsViolatingNodeTaintsSettings());

    private static void Gpu(NodeBuilder n) => n.Taint("dedicated", "gpu");

    private static Action<PodBuilder> Rs(string name, string? app = null) => p => p.Owner("ReplicaSet", name).Label("app", app ?? name);

    /// <summary>n1 (8 cores) is tainted dedicated=gpu:NoSchedule, so RemovePodsViolatingNodeTaints looks at every pod on it; n2 (4 cores) is free.</summary>
    private static TestCluster TaintedPair(Action<NodeBuilder>? n2 = null) =>
        new TestCluster().Node("n1", cpu: 8000, configure: Gpu).Node("n2", cpu: 4000, configure: n2);

    private static ResourceThresholds T(params (string Resource, decimal Percent)[] values) =>
        new(values.Select(v => new KeyValuePair<string, decimal>(v.Resource, v.Percent)).ToList());

    public static TheoryData<Case> Cases => new()
    {
        new("evicted: the rule with its numbers and the projected target",
            () => TaintedPair().Pod("web-0", "n1", configure: Rs("web")),
            Taints, "web-0", ["Evicted"], "taint dedicated=gpu:NoSchedule on n1 is not tolerated", Target: "n2"),
        new("evicted under a PDB: the budget it spends",
            () => TaintedPair().Pod("web-0", "n1", configure: Rs("web")).PdbAllowing("web", "web", allowed: 2),
            Taints, "web-0", ["Evicted"], "PodDisruptionBudget default/web allows 1 more", Target: "n2"),
        new("PDB with no budget: the PDB, its remaining budget and where the budget came from",
            () => TaintedPair().Pod("db-0", "n1", configure: Rs("db")).PdbAllowing("db", "db", allowed: 0),
            Taints, "db-0", ["Skipped:PDB"],
            "PodDisruptionBudget default/db allows no more disruptions (remaining budget 0; 0 allowed at the start, from its status)"),
        new("PDB spent by an earlier eviction of the plan: says so",
            () => TaintedPair().Pod("db-0", "n1", configure: Rs("db")).Pod("db-1", "n1", configure: Rs("db")).PdbAllowing("db", "db", allowed: 1),
            Taints, "db-1", ["Skipped:PDB"], "(remaining budget 0; 1 allowed at the start, from its status, 1 spent by evictions planned before this one)"),
        new("protected: the protection",
            () => TaintedPair().Pod("agent", "n1", configure: p => p.DaemonSet("agent")),
            Taints, "agent", ["Skipped:" + SkipReasons.DaemonSet], "owned by a DaemonSet"),
        new("no node fits: the predicate that failed on the best candidate, structured too",
            () => TaintedPair().Pod("big-0", "n1", cpu: 3000, configure: Rs("big")).Pod("filler", "n2", cpu: 2000, configure: Rs("filler")),
            Taints, "big-0", ["Skipped:NodeFit"], "best candidate n2: insufficient cpu (requests 3, free 2)", Fit: "n2/Resources"),
        new("no node fits because the only other node is cordoned",
            () => TaintedPair(n => n.Unschedulable()).Pod("web-0", "n1", configure: Rs("web")),
            Taints, "web-0", ["Skipped:NodeFit"], "best candidate n2: node is cordoned", Fit: "n2/Unschedulable"),
        new("no node fits because of a taint: the taint",
            () => TaintedPair(n => n.Taint("team", "infra", TaintEffect.NoExecute)).Pod("web-0", "n1", configure: Rs("web")),
            Taints, "web-0", ["Skipped:NodeFit"], "best candidate n2: taint team=infra:NoExecute is not tolerated", Fit: "n2/Taint"),
        new("limit: the limit and its value",
            () => TaintedPair().Pod("web-0", "n1", configure: Rs("web")).Pod("web-1", "n1", configure: Rs("web")),
            Taints, "web-1", ["Skipped:" + SkipReasons.LimitPerNode], "maxNoOfPodsToEvictPerNode 1 reached on n1",
            Planning: new PlanningSettings { MaxPodsToEvictPerNode = 1 }),
        new("LowNodeUtilization: the taint of the underutilized node the pod does not tolerate",
            () => new TestCluster().Node("n1").Node("n2", configure: Gpu)
                .Pod("a", "n1", cpu: 1600, configure: Rs("a")).Pod("b", "n1", cpu: 1600, configure: Rs("b")),
            () => new LowNodeUtilizationStrategy(new LowNodeUtilizationSettings { Thresholds = T(("cpu", 30)), TargetThresholds = T(("cpu", 50)) }),
            "a", ["Skipped:NodeFit"], "any of the 1 underutilized node(s); n2: taint dedicated=gpu:NoSchedule is not tolerated", Fit: "n2/Taint"),
        new("LowNodeUtilization eviction: the utilization and the target it exceeds",
            () => new TestCluster().Node("n1").Node("n2")
                .Pod("a", "n1", cpu: 1600, configure: Rs("a")).Pod("b", "n1", cpu: 1600, configure: Rs("b")),
            () => new LowNodeUtilizationStrategy(new LowNodeUtilizationSettings { Thresholds = T(("cpu", 30)), TargetThresholds = T(("cpu", 50)) }),
            "a", ["Evicted"], "node n1 overutilized: cpu 80", Target: "n2"),
        new("SpotRatio: a pod pinned to spot names the on-demand node and the predicate it fails",
            () => new TestCluster().Node("od", configure: n => n.Label(CapacityType, "on-demand")).Node("sp", configure: n => n.Label(CapacityType, "spot"))
                .Pod("pinned", "sp", cpu: 1000, configure: p => p.Owner("ReplicaSet", "pinned").NodeSelector(CapacityType, "spot")),
            () => new SpotRatioStrategy(new SpotRatioSettings { MinOnDemandReplicas = 0 }),
            "pinned", ["Skipped:NodeFit"], "pinned to spot; od: nodeSelector / required node affinity does not match", Fit: "od/NodeSelector"),
        new("SpotRatio eviction: the spot share and its limit",
            () => new TestCluster().Node("od", configure: n => n.Label(CapacityType, "on-demand")).Node("sp", configure: n => n.Label(CapacityType, "spot"))
                .Pod("a", "sp", cpu: 1000, configure: Rs("a")),
            () => new SpotRatioStrategy(new SpotRatioSettings { MinOnDemandReplicas = 0 }),
            "a", ["Evicted"], "spot share 1.00 > 0.66", Target: "od"),
        new("a pod no plugin looked at has no decisions",
            () => TaintedPair().Pod("web-0", "n1", configure: Rs("web")).Pod("quiet", "n2", configure: Rs("quiet")),
            Taints, "quiet", []),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecisionsFor_Should_CarryTheRuleOrTheBlocker(Case c)
    {
        Plan plan = TestPlanner.Plan(c.Cluster().Build(), c.Strategy(), settings: c.Planning);
        int pod = PodExplanation.FindPod(plan.Snapshot, "default", c.Pod);

        IReadOnlyList<PodDecision> decisions = plan.DecisionsFor(pod);

        Assert.Equal(c.Decisions, decisions.Select(d => d.Eviction is not null ? "Evicted" : "Skipped:" + d.Skip!.Reason));
        if (decisions.Count == 0)
        {
            return;
        }

        PodDecision last = decisions[^1];
        Assert.All(decisions, d => Assert.Equal(pod, d.Eviction?.Pod ?? d.Skip!.Pod));
        Assert.Contains(c.Text!, last.Eviction?.Reason ?? last.Skip!.Detail, StringComparison.Ordinal);
        Assert.Equal(c.Target, last.Eviction is { TargetNode: >= 0 } e ? plan.Snapshot.Nodes.Name[e.TargetNode] : null);
        Assert.Equal(c.Fit, last.Skip?.Fit is FitVerdict f ? $"{plan.Snapshot.Nodes.Name[f.Node]}/{f.Predicate}" : null);
    }

    [Fact]
    public void DecisionsFor_Should_ListDecisionsInPlanOrder_When_AProfileSkipsWhatALaterOneEvicts()
    {
        // Profile "strict" only evicts app=y, so it skips x (recorded before y's eviction); profile "loose" then evicts x.
        ClusterSnapshot snapshot = TaintedPair()
            .Pod("x", "n1", configure: Rs("x")).Pod("y", "n1", configure: Rs("y"))
            .Build();
        Assert.True(LabelSelectorSpec.TryParse("app=y", out LabelSelectorSpec onlyY, out string error), error);
        var settings = new PlanningSettings
        {
            Profiles =
            [
                new PlanningProfile("strict", DefaultEvictorSettings.Default with { LabelSelector = onlyY }, [Taints()], []),
                new PlanningProfile("loose", DefaultEvictorSettings.Default, [Taints()], []),
            ],
        };

        Plan plan = Planner.Create(snapshot, settings, TestPlanner.Now);
        IReadOnlyList<PodDecision> x = plan.DecisionsFor(PodExplanation.FindPod(snapshot, "default", "x"));
        IReadOnlyList<PodDecision> y = plan.DecisionsFor(PodExplanation.FindPod(snapshot, "default", "y"));

        Assert.Equal(["strict:Skipped:Protected:LabelSelector", "loose:Evicted"],
            x.Select(d => d.Profile + ":" + (d.Eviction is null ? "Skipped:" + d.Skip!.Reason : "Evicted")));
        Assert.Equal([0, 2], x.Select(d => d.Sequence));
        Assert.Equal(1, x[1].EvictionIndex);
        Assert.Equal(-1, x[0].EvictionIndex);
        PodDecision onlyDecision = Assert.Single(y);
        Assert.Equal((1, 0), (onlyDecision.Sequence, onlyDecision.EvictionIndex));
    }

    public sealed record ExplainCase(
        string Name,
        Func<TestCluster> Cluster,
        string Pod,
        PodOutcome Outcome,
        string? NodeNote = null,
        string? Protection = null,
        string? Pdb = null,
        PlanningSettings? Planning = null)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<ExplainCase> ExplainCases => new()
    {
        new("evicted", () => TaintedPair().Pod("web-0", "n1", configure: Rs("web")), "web-0", PodOutcome.Evicted),
        new("skipped by a PDB: the budget before and after the plan",
            () => TaintedPair().Pod("db-0", "n1", configure: Rs("db")).Pod("db-1", "n1", configure: Rs("db")).PdbAllowing("db", "db", allowed: 1),
            "db-1", PodOutcome.Skipped, Pdb: "default/db: 1 at start, 1 spent, 0 left"),
        new("not looked at, and the evictor would protect it",
            () => TaintedPair().Pod("agent", "n2", configure: p => p.DaemonSet("agent")),
            "agent", PodOutcome.NotConsidered, Protection: SkipReasons.DaemonSet),
        new("not looked at, evictable: no protection",
            () => TaintedPair().Pod("quiet", "n2", configure: Rs("quiet")), "quiet", PodOutcome.NotConsidered),
        new("on a node that is not Ready: the node note",
            () => TaintedPair().Node("n3", configure: n => n.NotReady()).Pod("web-0", "n3", configure: Rs("web")),
            "web-0", PodOutcome.NotConsidered, NodeNote: "node n3 is not Ready"),
        new("on a node outside the policy's nodeSelector: the node note",
            () => TaintedPair().Node("n3", configure: n => n.Label("pool", "batch")).Pod("web-0", "n3", configure: Rs("web")),
            "web-0", PodOutcome.NotConsidered, NodeNote: "node n3 does not match the policy's nodeSelector",
            Planning: new PlanningSettings { NodeSelector = Selector("pool!=batch") }),
        new("two PDBs select it",
            () => TaintedPair().Pod("db-0", "n1", configure: Rs("db")).PdbAllowing("a", "db", allowed: 1).PdbAllowing("b", "db", allowed: 1),
            "db-0", PodOutcome.Skipped, Pdb: "multiple"),
    };

    private static LabelSelectorSpec Selector(string text)
    {
        Assert.True(LabelSelectorSpec.TryParse(text, out LabelSelectorSpec selector, out string error), error);
        return selector;
    }

    [Theory]
    [MemberData(nameof(ExplainCases))]
    public void Explain_Should_AnswerForEveryPod_WithoutChangingThePlan(ExplainCase c)
    {
        ClusterSnapshot snapshot = c.Cluster().Build();
        PlanningSettings settings = (c.Planning ?? new PlanningSettings()) with
        {
            Profiles = [new PlanningProfile("test", DefaultEvictorSettings.Default, [Taints()], [])],
        };
        Plan plan = Planner.Create(snapshot, settings, TestPlanner.Now);
        int evictions = plan.Evictions.Count;
        int skips = plan.Skipped.Count;
        int pod = PodExplanation.FindPod(snapshot, "default", c.Pod);

        PodExplanation explanation = PodExplanation.Explain(plan, settings, pod);

        Assert.Equal(c.Outcome, explanation.Outcome);
        Assert.Equal(c.Outcome == PodOutcome.Evicted, explanation.Eviction is not null);
        if (c.NodeNote is null)
        {
            Assert.Null(explanation.NodeNote);
        }
        else
        {
            Assert.Contains(c.NodeNote, explanation.NodeNote, StringComparison.Ordinal);
        }

        EvictorVerdict verdict = Assert.Single(explanation.Evictor);
        Assert.Equal(c.Protection, verdict.Protection?.Reason);
        Assert.Equal(c.Pdb, explanation.Pdb switch
        {
            null => null,
            { Multiple: true } => "multiple",
            PdbStanding s => $"default/{snapshot.Pdbs[s.Pdb].Name}: {s.AllowedAtStart} at start, {s.SpentByPlan} spent, {s.RemainingAfterPlan} left",
        });
        Assert.Equal(["test/RemovePodsViolatingNodeTaints"], explanation.Plugins.Select(p => p.Run.Profile + "/" + p.Run.Plugin));

        // Explaining is read-only: the plan keeps its decisions.
        Assert.Equal((evictions, skips), (plan.Evictions.Count, plan.Skipped.Count));
    }

    [Theory]
    [InlineData("default", "web-0", true)]
    [InlineData("default", "web-9", false)]
    [InlineData("other", "web-0", false)]
    [InlineData("nowhere", "web-0", false)]
    public void FindPod_Should_MatchNamespaceAndName(string @namespace, string name, bool found)
    {
        ClusterSnapshot snapshot = TaintedPair()
            .Pod("web-0", "n1", configure: Rs("web"))
            .Pod("other-pod", "n1", configure: p => p.Namespace("other").Owner("ReplicaSet", "o"))
            .Build();

        int pod = PodExplanation.FindPod(snapshot, @namespace, name);

        Assert.Equal(found, pod >= 0);
        if (found)
        {
            Assert.Equal($"{@namespace}/{name}", snapshot.PodKey(pod));
        }
    }
}
