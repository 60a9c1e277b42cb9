using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;
using Rebalancer.Core.Strategies.HighNodeUtilization;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.HighNodeUtilization;

public sealed class HighNodeUtilizationStrategyTests
{
    public sealed record Case(string Name, Func<TestCluster> Cluster, HighNodeUtilizationSettings Settings, int Expected, string[]? ExpectedPods = null)
    {
        public override string ToString() => Name;
    }

    private static ResourceThresholds T(params (string Resource, decimal Percent)[] values) =>
        new(values.Select(v => new KeyValuePair<string, decimal>(v.Resource, v.Percent)).ToList());

    private static readonly HighNodeUtilizationSettings Cpu20 = new() { Thresholds = T(("cpu", 20), ("pods", 20)) };

    /// <summary>n1 holds p1, p2 (10% cpu, 2 of 10 pods: underutilized); n2 and n3 are busy (50%).</summary>
    private static TestCluster Fixture(Action<int, PodBuilder>? configure = null, Action<NodeBuilder>? n2 = null, Action<NodeBuilder>? n3 = null)
    {
        var cluster = new TestCluster()
            .Node("n1", 4000, pods: 10)
            .Node("n2", 4000, pods: 10, configure: n2)
            .Node("n3", 4000, pods: 10, configure: n3);
        for (int i = 1; i <= 2; i++)
        {
            int index = i;
            cluster.Pod($"p{i}", "n1", 200, 0, p =>
            {
                p.Owner("ReplicaSet", "rs");
                configure?.Invoke(index, p);
            });
        }

        for (int i = 3; i <= 12; i++)
        {
            cluster.Pod($"p{i}", i <= 7 ? "n2" : "n3", 400, 0, p => p.Owner("ReplicaSet", "busy"));
        }

        return cluster;
    }

    public static TheoryData<Case> Cases => new()
    {
        new("n1 is emptied onto the fuller nodes", () => Fixture(), Cpu20, 2, ["p1", "p2"]),
        new("no node below the thresholds: 0",
            () => Fixture(), new HighNodeUtilizationSettings { Thresholds = T(("cpu", 5)) }, 0),
        new("no evictable pods: 0", () => Fixture((_, p) => p.EmptyDir()), Cpu20, 0),
        new("no node to move evicted pods to: 0",
            () => Fixture(n2: n => n.Unschedulable(), n3: n => n.Unschedulable()), Cpu20, 0),
        new("lowest priority first, stopping when the destinations' pod headroom is spent",
            () => Fixture((i, p) => p.Priority(i == 1 ? 100 : 10)).Pod("p13", "n2", 400, 0, p => p.Owner("ReplicaSet", "busy"))
                .Pod("p14", "n2", 400, 0, p => p.Owner("ReplicaSet", "busy")).Pod("p15", "n2", 400, 0, p => p.Owner("ReplicaSet", "busy"))
                .Pod("p16", "n2", 400, 0, p => p.Owner("ReplicaSet", "busy")).Pod("p17", "n2", 400, 0, p => p.Owner("ReplicaSet", "busy"))
                .Pod("p18", "n3", 400, 0, p => p.Owner("ReplicaSet", "busy")).Pod("p19", "n3", 400, 0, p => p.Owner("ReplicaSet", "busy"))
                .Pod("p20", "n3", 400, 0, p => p.Owner("ReplicaSet", "busy")).Pod("p21", "n3", 400, 0, p => p.Owner("ReplicaSet", "busy")),
            Cpu20, 1, ["p2"]),
        new("other nodes do not match the pods' node selector: 0",
            () => Fixture((_, p) => p.NodeSelector("pool", "a"), n2: n => n.Label("pool", "b"), n3: n => n.Label("pool", "b")), Cpu20, 0),
        new("OnlyThresholdingResources: only pods requesting a threshold resource",
            () => new TestCluster()
                .Node("n1", 4000, configure: n => n.Allocatable("nvidia.com/gpu", 4))
                .Node("n2", 4000, configure: n => n.Allocatable("nvidia.com/gpu", 4))
                .Pod("gpu", "n1", 100, 0, p => p.Owner("ReplicaSet", "a").Request("nvidia.com/gpu", 1))
                .Pod("cpu", "n1", 100, 0, p => p.Owner("ReplicaSet", "b"))
                .Pod("busy", "n2", 100, 0, p => p.Owner("ReplicaSet", "c").Request("nvidia.com/gpu", 3)),
            new HighNodeUtilizationSettings { Thresholds = T(("nvidia.com/gpu", 30)), OnlyThresholdingResourcesMode = true }, 1, ["gpu"]),
        new("all nodes underutilized: 0", () => Fixture(), new HighNodeUtilizationSettings { Thresholds = T(("cpu", 90)) }, 0),
        new("numberOfNodes 1 with one underutilized node: 0", () => Fixture(), Cpu20 with { NumberOfNodes = 1 }, 0),
        new("a cordoned underutilized node is emptied too",
            () => Fixture(n3: n => n.Unschedulable()), Cpu20, 2, ["p1", "p2"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void HighNodeUtilization_Should_EvictExpectedPods(Case c)
    {
        Plan plan = TestPlanner.Plan(c.Cluster().Build(), new HighNodeUtilizationStrategy(c.Settings));

        Assert.Equal(c.Expected, plan.Evictions.Count);
        if (c.ExpectedPods is not null)
        {
            Assert.Equal(c.ExpectedPods, plan.EvictedNames());
        }
    }

    [Fact]
    public void HighNodeUtilization_Should_PackOntoTheFullestFeasibleNode_When_TheSchedulerScoresMostAllocated()
    {
        // n2 is fuller than n3: a MostAllocated scheduler puts both pods there, and the plan says nothing against it.
        ClusterSnapshot snapshot = Fixture().Pod("extra", "n2", 400, 0, p => p.Owner("ReplicaSet", "busy")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new HighNodeUtilizationStrategy(Cpu20),
            settings: new PlanningSettings { Scheduler = TestSchedulers.ResourcesOnly(ScoringStrategyType.MostAllocated) });

        Assert.All(plan.Evictions, e => Assert.Equal("n2", snapshot.Nodes.Name[e.TargetNode]));
        Assert.Empty(plan.Warnings);
    }

    [Fact]
    public void HighNodeUtilization_Should_SayThePackingWillNotHappen_When_TheSchedulerScoresLeastAllocated()
    {
        // The same cluster under kube-scheduler's default profile: the pods go where it puts them (the emptier n3, and
        // spread apart), and the report says HighNodeUtilization's packing is defeated.
        ClusterSnapshot snapshot = Fixture().Pod("extra", "n2", 400, 0, p => p.Owner("ReplicaSet", "busy")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new HighNodeUtilizationStrategy(Cpu20));

        Assert.Equal(["p1", "p2"], plan.EvictedNames());
        Assert.Contains(plan.Evictions, e => snapshot.Nodes.Name[e.TargetNode] == "n3");
        PlanWarning warning = Assert.Single(plan.Warnings);
        Assert.Contains("LeastAllocated", warning.Message, StringComparison.Ordinal);
        Assert.Contains("the packing will not happen", warning.Message, StringComparison.Ordinal);
        Assert.Contains("without cordon", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HighNodeUtilization_Should_RecordASkipForEveryProtectedPod()
    {
        // The example: do-not-disrupt pods on an underutilized node were dropped without a record, so explain
        // called them NotConsidered.
        ClusterSnapshot snapshot = Fixture((i, p) =>
        {
            if (i == 2)
            {
                p.Annotation("karpenter.sh/do-not-disrupt", "true");
            }
        }).Build();

        Plan plan = TestPlanner.Plan(snapshot, new HighNodeUtilizationStrategy(Cpu20));

        Assert.Equal(["p1"], plan.EvictedNames());
        Assert.Equal(["Protected:DoNotDisrupt"], plan.SkipReasonsOf("p2"));
    }

    [Fact]
    public void HighNodeUtilization_Should_CordonEveryNodeItEmpties_When_CordonIsOn()
    {
        // n1 is emptied: it is cordoned before its first eviction and no later placement may use it. n4 keeps a
        // protected pod, so it is not cordoned (it would be stuck with capacity nobody could use).
        ClusterSnapshot snapshot = Fixture()
            .Node("n4", 4000, pods: 10)
            .Pod("kept", "n4", 200, 0, p => p.Owner("ReplicaSet", "kept").EmptyDir())
            .Pod("moved", "n4", 200, 0, p => p.Owner("ReplicaSet", "moved"))
            .Build();

        Plan plan = TestPlanner.Plan(snapshot, new HighNodeUtilizationStrategy(Cpu20 with { Cordon = true }),
            settings: new PlanningSettings { Scheduler = TestSchedulers.ResourcesOnly(ScoringStrategyType.MostAllocated) });

        DrainedNode drain = Assert.Single(plan.Drains);
        Assert.Equal("n1", snapshot.Nodes.Name[drain.Node]);
        Assert.Equal(CordonAction.Cordon, drain.Cordon);
        Assert.Equal(HighNodeUtilizationStrategy.PluginName, drain.Plugin);
        Assert.Equal(["p1", "p2"], drain.Moves.Select(m => snapshot.Pods.Name[m.Pod]));
        Assert.Contains(plan.Notes, n => n.Message.Contains("n4 is not cordoned: 1 pod(s) stay on it", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Evictions, e => snapshot.Nodes.Name[e.TargetNode] == "n1");
    }
}
