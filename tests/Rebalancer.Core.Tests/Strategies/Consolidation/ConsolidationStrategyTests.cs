using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;
using Rebalancer.Core.Strategies.Consolidation;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.Consolidation;

public sealed class ConsolidationStrategyTests
{
    /// <summary>Every node may be drained and the N-1 guard is off: the packing tests measure packing alone.</summary>
    private static readonly ConsolidationSettings Everything = new() { MaxNodesPerRun = new(100, true), MinUtilizationToKeep = 100, KeepNodeLossHeadroom = false };

    /// <summary>For the three-node fixture: the two 75% nodes are kept, only the small one is a candidate.</summary>
    private static readonly ConsolidationSettings HalfFull = Everything with { MinUtilizationToKeep = 50 };

    public sealed record Case(string Name, Func<TestCluster> Cluster, ConsolidationSettings Settings, string[] Drained)
    {
        public override string ToString() => Name;
    }

    private static TestCluster ThreeNodes(Action<PodBuilder>? small = null) => new TestCluster()
        .Node("big-1", 4000).Node("big-2", 4000).Node("small", 4000)
        .ReplicaSetPods("a", ["big-1", "big-1", "big-1"], cpu: 1000)
        .ReplicaSetPods("b", ["big-2", "big-2", "big-2"], cpu: 1000)
        .ReplicaSetPods("c", ["small"], cpu: 500, configure: small);

    public static TheoryData<Case> Cases => new()
    {
        new("the emptiest node is drained onto the others", () => ThreeNodes(), HalfFull, ["small"]),
        new("a node with a protected pod is not a candidate", () => ThreeNodes(p => p.EmptyDir()), HalfFull, []),
        new("a node whose pod fits nowhere is not drained",
            () => ThreeNodes().Pod("huge", "small", 1500, configure: p => p.Owner("ReplicaSet", "h")), HalfFull, []),
        new("DaemonSet pods vanish with the node",
            () => ThreeNodes().Pod("agent", "small", 100, configure: p => p.DaemonSet("agent")), HalfFull, ["small"]),
        new("an empty node is drained first, with no evictions", () => ThreeNodes().Node("idle", 4000), HalfFull, ["idle", "small"]),
        new("nodes above minUtilizationToKeep are not candidates", () => ThreeNodes(), HalfFull with { MinUtilizationToKeep = 10 }, []),
        new("maxNodesPerRun caps the drains", () => ThreeNodes().Node("idle", 4000), HalfFull with { MaxNodesPerRun = new(1, false) }, ["idle"]),
        new("the pool selector restricts candidates",
            () => new TestCluster().Node("a-1", 4000, configure: n => n.Label("pool", "a")).Node("b-1", 4000, configure: n => n.Label("pool", "b"))
                .Node("b-2", 4000, configure: n => n.Label("pool", "b"))
                .ReplicaSetPods("x", ["a-1"], 500).ReplicaSetPods("y", ["b-1", "b-2"], 500, configure: p => p.NodeSelector("pool", "b")),
            HalfFull with { NodeSelector = new([new("pool", SelectorOperator.In, ["b"])]) }, ["b-1"]),
        new("a PDB without budget blocks the drain",
            () => ThreeNodes(p => p.Label("app", "c")).PdbAllowing("c", "c", allowed: 0, healthy: 1), HalfFull, []),
        new("pods keep their node selector: no other node matches, nothing drained",
            () => ThreeNodes(p => p.NodeSelector("kubernetes.io/hostname", "small")), HalfFull, []),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Consolidation_Should_DrainExpectedNodes(Case c)
    {
        ClusterSnapshot snapshot = c.Cluster().Build();

        Plan plan = TestPlanner.Plan(snapshot, new ConsolidationStrategy(c.Settings));

        Assert.NotNull(plan.Consolidation);
        Assert.Equal(c.Drained, plan.Consolidation!.Drained.Select(d => snapshot.Nodes.Name[d.Node]));
        int drainedPods = plan.Consolidation.Drained.Sum(d => d.Moves.Count);
        Assert.Equal(drainedPods, plan.Evictions.Count);
        Assert.All(plan.Evictions, e => Assert.DoesNotContain(e.TargetNode, plan.Consolidation.Drained.Select(d => d.Node)));
    }

    [Fact]
    public void Later_plugins_Should_NotMovePodsOntoADrainedNode()
    {
        // Consolidation empties "small"; RemoveDuplicates then moves a duplicate off big-2. LeastAllocated would pick the
        // emptied node (0% requested) — but it is going away, so the duplicate must land on big-1.
        ClusterSnapshot snapshot = ThreeNodes().ReplicaSetPods("dup", ["big-2", "big-2"], cpu: 100).Build();
        var profile = new PlanningProfile("test", DefaultEvictorSettings.Default, [],
            [new ConsolidationStrategy(HalfFull), new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings())]);

        Plan plan = Planner.Create(snapshot, new PlanningSettings { Profiles = [profile] }, TestPlanner.Now);

        Assert.Equal(["small"], plan.Consolidation!.Drained.Select(d => snapshot.Nodes.Name[d.Node]));
        PlannedEviction duplicate = Assert.Single(plan.Evictions, e => e.Plugin == RemoveDuplicatesStrategy.PluginName);
        Assert.Equal("big-1", snapshot.Nodes.Name[duplicate.TargetNode]);
    }

    [Theory]
    [InlineData(false, new[] { "small" })]
    [InlineData(true, new string[0])]
    public void Consolidation_Should_KeepNodeLossHeadroom_When_Asked(bool keep, string[] expected)
    {
        // Before: losing big-1 (3 cores) fits on big-2 and small. Draining small onto big-1 would leave only big-2's core.
        ClusterSnapshot snapshot = ThreeNodes().Build();

        Plan plan = TestPlanner.Plan(snapshot, new ConsolidationStrategy(HalfFull with { KeepNodeLossHeadroom = keep }));

        Assert.Equal(expected, plan.Consolidation!.Drained.Select(d => snapshot.Nodes.Name[d.Node]));
        Assert.Equal(!keep, plan.Evictions.Count > 0);
        Assert.True(plan.HeadroomBefore!.NodeLossSurvivable);
        Assert.Equal(keep, plan.HeadroomAfter!.NodeLossSurvivable);
    }

    [Fact]
    public void Consolidation_Should_ExplainWhyANodeCannotBeEmptied()
    {
        ClusterSnapshot snapshot = ThreeNodes().Pod("huge", "small", 1500, configure: p => p.Owner("ReplicaSet", "h")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new ConsolidationStrategy(HalfFull));

        Assert.Empty(plan.Evictions);
        SkippedPod skip = Assert.Single(plan.Skipped);
        Assert.Equal(SkipReasons.NodeFit, skip.Reason);
        Assert.Contains("small cannot be emptied", skip.Detail, StringComparison.Ordinal);
        Assert.Contains(plan.Notes, n => n.Message.Contains("not drained", StringComparison.Ordinal));
    }

    [Fact]
    public void Consolidation_Should_ReportBoundsAndCounts()
    {
        ClusterSnapshot snapshot = ThreeNodes().Build();

        ConsolidationSummary summary = TestPlanner.Plan(snapshot, new ConsolidationStrategy(HalfFull)).Consolidation!;

        Assert.Equal(3, summary.NodesBefore);
        Assert.Equal(2, summary.NodesAfter);
        Assert.Equal(2, summary.LowerBound); // 6.5 cores over 4-core nodes
        Assert.Equal(2, summary.FirstFitDecreasing); // 4 × 1000 + (1000, 1000, 500)
        Assert.Equal(1, summary.Candidates);
    }

    [Fact]
    public void Consolidation_Should_StopAtTheSearchBudget()
    {
        ClusterSnapshot snapshot = PerfectPacking(k: 10, seed: 3).Build();

        ConsolidationSummary summary = TestPlanner.Plan(snapshot, new ConsolidationStrategy(Everything with { MaxSearchSteps = 20 })).Consolidation!;

        Assert.True(summary.BudgetExhausted);
        Assert.True(summary.SearchSteps <= 21);
    }

    [Theory]
    [InlineData(20, 1)]
    [InlineData(20, 2)]
    [InlineData(40, 3)]
    [InlineData(60, 4)]
    public void Consolidation_Should_FreeAtLeast90PercentOfTheRemovableNodes(int k, int seed)
    {
        // Pods perfectly packed onto K nodes, then a third of each node's pods moved onto K/2 extra nodes: draining
        // exactly the extra nodes is optimal, and nothing (names, order, sizes) tells the algorithm which they are.
        ClusterSnapshot snapshot = PerfectPacking(k, seed).Build();

        Plan plan = TestPlanner.Plan(snapshot, new ConsolidationStrategy(Everything));

        int removable = k / 2;
        Assert.True(plan.Consolidation!.Drained.Count >= removable * 9 / 10.0,
            $"freed {plan.Consolidation.Drained.Count} of {removable} removable nodes (lower bound {plan.Consolidation.LowerBound}, FFD {plan.Consolidation.FirstFitDecreasing})");
        Assert.Equal(k, plan.Consolidation.LowerBound);
    }

    [Fact]
    public void Consolidation_Should_BeDeterministic()
    {
        Plan first = TestPlanner.Plan(PerfectPacking(30, 7).Build(), new ConsolidationStrategy(Everything));
        Plan second = TestPlanner.Plan(PerfectPacking(30, 7).Build(), new ConsolidationStrategy(Everything));

        Assert.NotEmpty(first.Evictions);
        Assert.Equal(first.Evictions.Select(e => (e.Pod, e.TargetNode)), second.Evictions.Select(e => (e.Pod, e.TargetNode)));
    }

    [Fact]
    public void Consolidation_Should_WarnInEveryReport_When_CordonIsOff()
    {
        // Off, the drained node stays schedulable and is the emptiest in its pool: the report must say the pods may come
        // back, whether or not anything is drained this time.
        ClusterSnapshot drains = ThreeNodes().Build();
        ClusterSnapshot drainsNothing = ThreeNodes(p => p.EmptyDir()).Build();

        Plan off = TestPlanner.Plan(drains, new ConsolidationStrategy(HalfFull with { Cordon = false }));
        Plan offNothing = TestPlanner.Plan(drainsNothing, new ConsolidationStrategy(HalfFull with { Cordon = false }));
        Plan on = TestPlanner.Plan(drains, new ConsolidationStrategy(HalfFull));

        Assert.Contains(off.Warnings, w => w.Message.StartsWith("cordon is off: the drained nodes stay schedulable", StringComparison.Ordinal));
        Assert.Contains(offNothing.Warnings, w => w.Message.StartsWith("cordon is off", StringComparison.Ordinal));
        Assert.DoesNotContain(on.Warnings, w => w.Message.Contains("cordon is off", StringComparison.Ordinal));
        Assert.Equal([CordonAction.None], off.Drains.Select(d => d.Cordon));
        Assert.Equal([("small", CordonAction.Cordon, "Consolidation")], on.Drains.Select(d => (drains.Nodes.Name[d.Node], d.Cordon, d.Plugin)));
    }

    /// <summary>
    /// small holds a (500m, 1 GiB) and b (400m, 5 GiB); x has 3 cores and 5 GiB free, y 600m and 1.5 GiB. Best fit packs
    /// a onto y and b onto x. A spreading scheduler puts a on the emptier x first, and then b fits nowhere.
    /// </summary>
    private static TestCluster SchedulerDisagrees() => new TestCluster()
        .Node("x", 4000, 8 * TestCluster.Gi).Node("y", 4000, 8 * TestCluster.Gi).Node("small", 4000, 8 * TestCluster.Gi, configure: n => n.Label("pool", "drain"))
        .Pod("fill-x", "x", 1000, 3 * TestCluster.Gi, p => p.Owner("ReplicaSet", "fx"))
        .Pod("fill-y", "y", 3400, 6 * TestCluster.Gi + (512 * TestCluster.Mi), p => p.Owner("ReplicaSet", "fy"))
        .Pod("a", "small", 500, TestCluster.Gi, p => p.Owner("ReplicaSet", "a"))
        .Pod("b", "small", 400, 5 * TestCluster.Gi, p => p.Owner("ReplicaSet", "b"));

    [Fact]
    public void Consolidation_Should_DropADrain_When_TheSchedulerWouldNotPlaceEveryPod()
    {
        ClusterSnapshot snapshot = SchedulerDisagrees().Build();
        var settings = Everything with { NodeSelector = new([new("pool", SelectorOperator.In, ["drain"])]) };

        Plan spreading = TestPlanner.Plan(snapshot, new ConsolidationStrategy(settings));
        Plan packing = TestPlanner.Plan(snapshot, new ConsolidationStrategy(settings),
            settings: new PlanningSettings { Scheduler = TestSchedulers.ResourcesOnly(ScoringStrategyType.MostAllocated) });

        Assert.Empty(spreading.Consolidation!.Drained);
        Assert.Empty(spreading.Evictions);
        SkippedPod skip = Assert.Single(spreading.Skipped);
        Assert.Equal("b", snapshot.Pods.Name[skip.Pod]);
        Assert.StartsWith("small is not drained: a best-fit packing exists, but the scheduler (kube-scheduler default (v1.29-v1.32)) would not place every pod: 0/", skip.Detail, StringComparison.Ordinal);
        Assert.Contains(spreading.Notes, n => n.Message == "1 node(s) not drained: the scheduler's placement would not fit every pod (a best-fit packing exists)");

        DrainedNode drain = Assert.Single(packing.Consolidation!.Drained);
        Assert.Equal([("a", "y"), ("b", "x")], drain.Moves.Select(m => (snapshot.Pods.Name[m.Pod], snapshot.Nodes.Name[m.Target])).OrderBy(m => m.Item1));
    }

    [Fact]
    public void Consolidation_Should_ReportTheSchedulersTargets_NotTheBestFitPacking()
    {
        // Best fit would pile both small pods onto the fuller node; kube-scheduler's default profile spreads them.
        ClusterSnapshot snapshot = new TestCluster()
            .Node("full", 4000).Node("empty", 4000).Node("small", 4000, configure: n => n.Label("pool", "drain"))
            .Pod("fill", "full", 2000, configure: p => p.Owner("ReplicaSet", "fill"))
            .ReplicaSetPods("web", ["small", "small"], cpu: 500)
            .Build();
        var settings = Everything with { NodeSelector = new([new("pool", SelectorOperator.In, ["drain"])]) };

        Plan plan = TestPlanner.Plan(snapshot, new ConsolidationStrategy(settings));

        DrainedNode drain = Assert.Single(plan.Consolidation!.Drained);
        Assert.Equal(["empty", "full"], drain.Moves.Select(m => snapshot.Nodes.Name[m.Target]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(false, false, CordonAction.None)]
    [InlineData(true, false, CordonAction.Cordon)]
    [InlineData(true, true, CordonAction.AlreadyCordoned)]
    public void Consolidation_Should_MarkTheNodesToCordon(bool cordon, bool cordonedBefore, CordonAction expected)
    {
        ClusterSnapshot snapshot = new TestCluster()
            .Node("big-1", 4000).Node("big-2", 4000).Node("small", 4000, configure: cordonedBefore ? n => n.Unschedulable() : null)
            .ReplicaSetPods("a", ["big-1", "big-1", "big-1"], cpu: 1000)
            .ReplicaSetPods("b", ["big-2", "big-2", "big-2"], cpu: 1000)
            .ReplicaSetPods("c", ["small"], cpu: 500)
            .Build();

        Plan plan = TestPlanner.Plan(snapshot, new ConsolidationStrategy(HalfFull with { Cordon = cordon, UncordonOnIncompleteDrain = false }));

        // The plan only says so: cordoning is the executor's (a cordoned node is drained like any other).
        DrainedNode drained = Assert.Single(plan.Consolidation!.Drained);
        Assert.Equal("small", snapshot.Nodes.Name[drained.Node]);
        Assert.Equal(expected, drained.Cordon);
        Assert.False(plan.Consolidation.UncordonOnIncompleteDrain);
    }

    // ---- Settings --------------------------------------------------------------------------------------------------

    [Fact]
    public void Bind_Should_UseTheDefaults()
    {
        (ConsolidationSettings settings, string[] problems) = Bind("{}");

        Assert.Empty(problems);
        Assert.Equal(new ConsolidationSettings(), settings);
        Assert.True(settings.Cordon); // issue #16: a drain without a cordon may get its pods straight back
        Assert.True(settings.UncordonOnIncompleteDrain);
    }

    [Theory]
    [InlineData("""{"cordon": true}""", true, true)]
    [InlineData("""{"cordon": true, "uncordonOnIncompleteDrain": false}""", true, false)]
    [InlineData("""{"cordon": false}""", false, true)]
    [InlineData("""{"uncordonOnIncompleteDrain": false}""", true, false)]
    [InlineData("""{"cordon": false, "uncordonOnIncompleteDrain": false}""", false, false)] // no effect without cordon, and no error: cordon off is a one-line change
    public void Bind_Should_ReadTheCordonArgs(string json, bool cordon, bool uncordon)
    {
        (ConsolidationSettings settings, string[] problems) = Bind(json);

        Assert.Empty(problems);
        Assert.Equal((cordon, uncordon), (settings.Cordon, settings.UncordonOnIncompleteDrain));
    }

    [Theory]
    [InlineData("""{"cordon": "true"}""", "args.cordon: 'true' is not a boolean (true or false)")]
    [InlineData("""{"cordon": 1}""", "args.cordon: '1' is not a boolean (true or false)")]
    [InlineData("""{"uncordonOnIncompleteDrain": "no"}""", "args.uncordonOnIncompleteDrain: 'no' is not a boolean (true or false)")]
    [InlineData("""{"cordonNodes": true}""", "args.cordonNodes: unknown field 'cordonNodes' (known: cordon, keepNodeLossHeadroom, maxNodesPerRun, maxSearchSteps, minUtilizationToKeep, nodeSelector, priceAnnotation, priceLabel, uncordonOnIncompleteDrain)")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, string expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal([expected], problems);
    }

    private static (ConsolidationSettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        ConsolidationSettings settings = ConsolidationSettings.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }

    private static TestCluster PerfectPacking(int k, int seed)
    {
        const long NodeCpu = 16_000;
        var random = new Random(seed);
        int extra = k / 2;
        int total = k + extra;

        // Shuffle which node names are "original" so neither names nor indices give the answer away.
        int[] names = Enumerable.Range(0, total).OrderBy(_ => random.Next()).ToArray();
        var cluster = new TestCluster();
        for (int i = 0; i < total; i++)
        {
            cluster.Node($"node-{i:D3}", NodeCpu, memory: NodeCpu * 4 * TestCluster.Mi, pods: 110);
        }

        long[] sizes = [250, 500, 750, 1000, 1500, 2000];
        var moved = new List<long>();
        int podId = 0;
        for (int n = 0; n < k; n++)
        {
            var pods = new List<long>();
            long left = NodeCpu;
            while (left > 0)
            {
                long size = Math.Min(left, sizes[random.Next(sizes.Length)]);
                pods.Add(size);
                left -= size;
            }

            foreach (long size in pods)
            {
                if (random.Next(3) == 0)
                {
                    moved.Add(size); // this third goes to the extra nodes
                }
                else
                {
                    Add(cluster, $"node-{names[n]:D3}", size, podId++);
                }
            }
        }

        // Round-robin over the extra nodes (first fit when full), so they look like the others.
        long[] free = Enumerable.Repeat(NodeCpu, extra).ToArray();
        int next = 0;
        foreach (long size in moved)
        {
            int tries = 0;
            while (free[next] < size && tries++ < extra)
            {
                next = (next + 1) % extra;
            }

            free[next] -= size;
            Add(cluster, $"node-{names[k + next]:D3}", size, podId++);
            next = (next + 1) % extra;
        }

        return cluster;

        static void Add(TestCluster cluster, string node, long cpu, int id) =>
            cluster.Pod($"p{id}", node, cpu, cpu * 4 * TestCluster.Mi, p => p.Owner("ReplicaSet", $"w{id % 17}"));
    }
}
