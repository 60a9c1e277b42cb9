using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.RemoveDuplicates;

public sealed class RemoveDuplicatesStrategyTests
{
    public sealed record Case(string Name, Func<TestCluster> Cluster, int Expected, RemoveDuplicatesSettings? Settings = null, DefaultEvictorSettings? Evictor = null)
    {
        public override string ToString() => Name;
    }

    private static string[] On(string node, int count) => Enumerable.Repeat(node, count).ToArray();

    private static TestCluster TwoNodes() => new TestCluster().Nodes(2, "n", cpu: 2000, memory: 3 * TestCluster.Gi);

    // The descheduler's TestFindDuplicatePods and TestRemoveDuplicatesUniformly scenarios, re-expressed with our builders.
    public static TheoryData<Case> Cases => new()
    {
        new("three pods of one ReplicaSet on one node of two: 1 evicted",
            () => TwoNodes().ReplicaSetPods("rs1", On("n-0", 3), configure: p => p.Namespace("dev")), 1),
        new("same, but ReplicaSet is an excluded owner kind: 0 evicted",
            () => TwoNodes().ReplicaSetPods("rs1", On("n-0", 3)), 0, new RemoveDuplicatesSettings { ExcludeOwnerKinds = ["ReplicaSet"] }),
        new("three pods in dev and three in test of same-named ReplicaSets: 2 evicted",
            () => TwoNodes().ReplicaSetPods("rs1", On("n-0", 3), configure: p => p.Namespace("dev"))
                .ReplicaSetPods("rs1b", On("n-0", 3), configure: p => p.Namespace("test").Owner("ReplicaSet", "rs1")), 2),
        new("namespace excluded: 0 evicted",
            () => TwoNodes().ReplicaSetPods("rs1", On("n-0", 3), configure: p => p.Namespace("dev")), 0,
            new RemoveDuplicatesSettings { Namespaces = new NamespacesSpec([], ["dev"]) }),
        new("DaemonSet and critical pods: 0 evicted",
            () => TwoNodes()
                .Pod("ds-1", "n-0", configure: p => p.DaemonSet("ds")).Pod("ds-2", "n-0", configure: p => p.DaemonSet("ds"))
                .ReplicaSetPods("crit", On("n-0", 3), configure: p => p.SystemCritical()), 0),
        new("pods with the same owner but different images: 0 evicted",
            () => TwoNodes().Pod("a", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Images("img1"))
                .Pod("b", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Images("img2")), 0),
        new("pods with several containers do not match themselves: 0 evicted",
            () => TwoNodes().Pod("a", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Images("img1", "img2")), 0),
        new("same owners, not all images equal: 0 evicted",
            () => TwoNodes().Pod("a", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Images("img1", "img2"))
                .Pod("b", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Images("img1", "img3")), 0),
        new("bare pods are never duplicates: 0 evicted",
            () => TwoNodes().Pod("a", "n-0").Pod("b", "n-0").Pod("c", "n-0"), 0),
        new("only other node is tainted: 1 feasible node, 0 evicted",
            () => new TestCluster().Node("n-0", 2000).Node("n-1", 2000, configure: n => n.Taint("hardware", "gpu"))
                .ReplicaSetPods("rs1", On("n-0", 3)), 0),
        new("nodeSelector matches no other node: 0 evicted",
            () => new TestCluster().Node("n-0", 2000, configure: n => n.Label("datacenter", "east")).Node("n-1", 2000, configure: n => n.Label("datacenter", "west"))
                .ReplicaSetPods("rs1", On("n-0", 3), configure: p => p.NodeSelector("datacenter", "east")), 0),
        new("only other node is cordoned: counted as feasible, but no target: 0 evicted",
            () => new TestCluster().Node("n-0", 2000).Node("n-1", 2000, configure: n => n.Unschedulable())
                .ReplicaSetPods("rs1", On("n-0", 3)), 0),
        new("only other node lacks cpu: 0 evicted",
            () => new TestCluster().Node("n-0", 2000).Node("n-1", 100).ReplicaSetPods("rs1", On("n-0", 3), cpu: 500), 0),
        new("only other node has enough cpu: 1 evicted",
            () => new TestCluster().Node("n-0", 2000).Node("n-1", 1000).ReplicaSetPods("rs1", On("n-0", 3), cpu: 500), 1),
        new("uniformly: (5,3,1) on 3 nodes → (3,3,3): 2 evicted",
            () => new TestCluster().Nodes(3, "n", cpu: 2000).ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)]), 2),
        new("uniformly with a NotReady node left out: (5,3) → (4,4): 1 evicted",
            () => new TestCluster().Nodes(2, "n", cpu: 2000).Node("n-2", 2000, configure: n => n.NotReady())
                .ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)]), 1),
        new("uniformly with two ReplicaSets: 2 evicted each",
            () => new TestCluster().Nodes(3, "n", cpu: 2000)
                .ReplicaSetPods("rs1", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)])
                .ReplicaSetPods("rs2", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)]), 4),
        new("fewer pods than nodes: (2,0,0) → 1 evicted",
            () => new TestCluster().Nodes(3, "n", cpu: 2000).ReplicaSetPods("rs", On("n-0", 2)), 1),
        new("uniformly respecting taints: tainted nodes are not feasible, (5,3,1) → 2 evicted",
            () => new TestCluster().Nodes(3, "n", cpu: 2000).Nodes(3, "t", cpu: 2000, configure: n => n.Taint("dedicated", "other"))
                .ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)]), 2),
        new("uniformly respecting required node affinity: (5,3,1) → 2 evicted",
            () => new TestCluster().Nodes(3, "n", cpu: 2000, configure: n => n.Label("pool", "a")).Nodes(3, "o", cpu: 2000, configure: n => n.Label("pool", "b"))
                .ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)], configure: p => p.RequireNodeLabelIn("pool", "a")), 2),
        new("node selector with zero target nodes: 0 evicted",
            () => new TestCluster().Nodes(3, "n", cpu: 2000)
                .ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)], configure: p => p.NodeSelector("pool", "missing")), 0),
        new("PDB with budget 1 caps evictions at 1",
            () => new TestCluster().Nodes(3, "n", cpu: 2000).ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)])
                .PdbAllowing("rs-pdb", "rs", allowed: 1, healthy: 9), 1),
        new("minReplicas above the replica count protects the pods",
            () => new TestCluster().Nodes(3, "n", cpu: 2000).ReplicaSetPods("rs", On("n-0", 3)), 0,
            Evictor: DefaultEvictorSettings.Default with { MinReplicas = 4 }),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RemoveDuplicates_Should_EvictExpectedCount(Case c)
    {
        ClusterSnapshot snapshot = c.Cluster().Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemoveDuplicatesStrategy(c.Settings ?? new RemoveDuplicatesSettings()), c.Evictor);

        Assert.Equal(c.Expected, plan.Evictions.Count);
        Assert.All(plan.Evictions, e => Assert.True(e.TargetNode >= 0 && e.TargetNode != e.Node));
    }

    [Fact]
    public void RemoveDuplicates_Should_EvictTheLastDuplicatesAndMoveThemToTheEmptiestNode()
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(3, "n", cpu: 2000)
            .Node("n-3", 2000, configure: n => n.NotReady())
            .ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)]).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));

        Assert.Equal(["rs-3", "rs-4"], plan.EvictedNames());
        Assert.All(plan.Evictions, e => Assert.Equal("n-2", snapshot.Nodes.Name[e.TargetNode]));
        Assert.Contains("5 replicas of default/ReplicaSet rs on n-0, fair share 3 over 3 feasible nodes (9 in all)", plan.Evictions[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveDuplicates_Should_ExplainProtectedDuplicates()
    {
        ClusterSnapshot snapshot = TwoNodes()
            .ReplicaSetPods("rs", On("n-0", 3), configure: p => p.Annotation("cluster-autoscaler.kubernetes.io/safe-to-evict", "false")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));

        Assert.Empty(plan.Evictions);
        Assert.Equal([SkipReasons.SafeToEvict], plan.SkipReasonsOf("rs-1"));
        Assert.Empty(plan.SkipReasonsOf("rs-0"));
    }

    [Theory]
    [InlineData(1u, null, null, 1, SkipReasons.LimitTotal)]
    [InlineData(null, 1u, null, 1, SkipReasons.LimitPerNode)]
    [InlineData(null, null, 1u, 1, SkipReasons.LimitPerNamespace)]
    public void RemoveDuplicates_Should_RespectLimits(uint? total, uint? perNode, uint? perNamespace, int expected, string reason)
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(4, "n", cpu: 4000).ReplicaSetPods("rs", On("n-0", 8)).Build();
        var settings = new PlanningSettings { MaxPodsToEvictTotal = total, MaxPodsToEvictPerNode = perNode, MaxPodsToEvictPerNamespace = perNamespace };

        Plan plan = TestPlanner.Plan(snapshot, new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()), settings: settings);

        Assert.Equal(expected, plan.Evictions.Count);
        Assert.Contains(plan.Skipped, s => s.Reason == reason);
    }

    [Fact]
    public void RemoveDuplicates_Should_ProduceTheSamePlan_When_RunTwice()
    {
        static Plan Run()
        {
            var cluster = new TestCluster().Nodes(6, "n", cpu: 8000);
            for (int rs = 0; rs < 5; rs++)
            {
                cluster.ReplicaSetPods($"rs{rs}", Enumerable.Range(0, 12).Select(i => $"n-{(i * (rs + 1)) % 3}"));
            }

            return TestPlanner.Plan(cluster.Build(), new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));
        }

        Plan first = Run();
        Plan second = Run();

        Assert.NotEmpty(first.Evictions);
        Assert.Equal(first.Evictions.Select(e => (e.Pod, e.TargetNode)), second.Evictions.Select(e => (e.Pod, e.TargetNode)));
    }

    [Fact]
    public void RemoveDuplicates_Should_NotEvictAgain_When_RunTwiceInOnePlan()
    {
        // The second run sees the projection: the pods the first run moved count on their new nodes.
        ClusterSnapshot snapshot = new TestCluster().Nodes(3, "n", cpu: 2000).ReplicaSetPods("rs", [.. On("n-0", 5), .. On("n-1", 3), .. On("n-2", 1)]).Build();
        var strategy = new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings());
        var first = new PlanningProfile("a", DefaultEvictorSettings.Default, [], [strategy]);
        var second = new PlanningProfile("b", DefaultEvictorSettings.Default, [], [strategy]);

        Plan plan = Planner.Create(snapshot, new PlanningSettings { Profiles = [first, second] }, TestPlanner.Now);

        Assert.Equal([2, 0], plan.PluginRuns.Select(r => r.Evictions));
    }
}
