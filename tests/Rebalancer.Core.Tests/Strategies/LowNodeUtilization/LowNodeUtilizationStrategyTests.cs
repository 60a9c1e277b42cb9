using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.LowNodeUtilization;

public sealed class LowNodeUtilizationStrategyTests
{
    public sealed record Case(string Name, Func<TestCluster> Cluster, LowNodeUtilizationSettings Settings, int Expected, string[]? ExpectedPods = null, PlanningSettings? Planning = null)
    {
        public override string ToString() => Name;
    }

    private static ResourceThresholds T(params (string Resource, decimal Percent)[] values) =>
        new(values.Select(v => new KeyValuePair<string, decimal>(v.Resource, v.Percent)).ToList());

    private static readonly LowNodeUtilizationSettings CpuPods30To50 = new()
    {
        Thresholds = T(("cpu", 30), ("pods", 30)),
        TargetThresholds = T(("cpu", 50), ("pods", 50)),
    };

    /// <summary>
    /// The descheduler's TestLowNodeUtilization fixture: n1 (4 cores, 9 pods) holds p1–p6 (ReplicaSet), p7 (emptyDir)
    /// and p8 (DaemonSet) at 400m each = 80% cpu; n2 (4 cores, 10 pods) holds p9 = 10%; n3 is cordoned and empty.
    /// </summary>
    private static TestCluster Fixture(Action<int, PodBuilder>? configure = null, Action<NodeBuilder>? n2 = null, Action<NodeBuilder>? n3 = null)
    {
        var cluster = new TestCluster()
            .Node("n1", 4000, 3 * TestCluster.Gi, pods: 9)
            .Node("n2", 4000, 3 * TestCluster.Gi, pods: 10, configure: n2)
            .Node("n3", 4000, 3 * TestCluster.Gi, pods: 10, configure: n3 ?? (n => n.Unschedulable()));
        for (int i = 1; i <= 6; i++)
        {
            int index = i;
            cluster.Pod($"p{i}", "n1", 400, 0, p =>
            {
                p.Owner("ReplicaSet", "rs");
                configure?.Invoke(index, p);
            });
        }

        return cluster
            .Pod("p7", "n1", 400, 0, p => p.Owner("ReplicaSet", "rs").EmptyDir())
            .Pod("p8", "n1", 400, 0, p => p.DaemonSet("ds"))
            .Pod("p9", "n2", 400, 0, p => p.Owner("ReplicaSet", "rs"));
    }

    public static TheoryData<Case> Cases => new()
    {
        new("without priorities: 4 evicted until n2's pod headroom is spent", () => Fixture(), CpuPods30To50, 4, ["p1", "p2", "p3", "p4"]),
        new("with priorities: lowest priority first",
            () => Fixture((i, p) => p.Priority(i switch { 1 => 100, 2 => 90, 3 => 80, 4 => 70, 5 => 60, _ => 50 })),
            CpuPods30To50, 4, ["p6", "p5", "p4", "p3"]),
        new("best-effort pods first, then burstable, then guaranteed",
            () => Fixture((i, p) => { if (i is 5 or 6) { p.BestEffort(); } else if (i is 1 or 2) { p.Request("memory", 100).Guaranteed(); } }),
            CpuPods30To50, 4, ["p5", "p6", "p3", "p4"]),
        new("pods without the prefer-no-eviction annotation first",
            () => Fixture((i, p) => { if (i <= 2) { p.Annotation("descheduler.alpha.kubernetes.io/prefer-no-eviction", ""); } }),
            CpuPods30To50, 4, ["p3", "p4", "p5", "p6"]),
        new("no evictable pods: 0", () => Fixture((_, p) => p.EmptyDir()), CpuPods30To50, 0),
        new("only other node is cordoned: no underutilized node, 0", () => Fixture(n2: n => n.Unschedulable()), CpuPods30To50, 0),
        new("n2 does not match the nodeSelector of p4 and p5: 4 evicted, skipping them",
            () => Fixture((i, p) => { if (i is 4 or 5) { p.NodeSelector("datacenter", "west"); } }, n2: n => n.Label("datacenter", "east"), n3: n => n.Unschedulable().Label("datacenter", "west")),
            CpuPods30To50, 4, ["p1", "p2", "p3", "p6"]),
        new("n2 does not match the node affinity of p1 and p2: 4 evicted, skipping them",
            () => Fixture((i, p) => { if (i <= 2) { p.RequireNodeLabelIn("datacenter", "west"); } }, n2: n => n.Label("datacenter", "east")),
            CpuPods30To50, 4, ["p3", "p4", "p5", "p6"]),
        new("n2 is tainted and no pod tolerates it: 0",
            () => Fixture(n2: n => n.Taint("dedicated", "db")), CpuPods30To50, 0),
        new("evictionLimits.node 2: 2 evicted", () => Fixture(), CpuPods30To50 with { NodeEvictionLimit = 2 }, 2),
        new("numberOfNodes 1 with one underutilized node: 0", () => Fixture(), CpuPods30To50 with { NumberOfNodes = 1 }, 0),
        new("all nodes underutilized: 0", () => Fixture(n3: n => n.Label("any", "x")),
            new LowNodeUtilizationSettings { Thresholds = T(("cpu", 90), ("pods", 90)), TargetThresholds = T(("cpu", 95), ("pods", 95)) }, 0),
        new("maxNoOfPodsToEvictTotal 3 caps the plugin", () => Fixture(), CpuPods30To50, 3, Planning: new PlanningSettings { MaxPodsToEvictTotal = 3 }),
        new("excluded namespace is not evicted from",
            () => Fixture((i, p) => { if (i <= 3) { p.Namespace("protected"); } }),
            CpuPods30To50 with { EvictableNamespaces = new NamespacesSpec([], ["protected"]) }, 3, ["p4", "p5", "p6"]),
        new("inclusive low threshold: n2 at exactly 30% cpu is underutilized",
            () => Fixture().Pod("p10", "n2", 400, 0, p => p.Owner("ReplicaSet", "rs")).Pod("p11", "n2", 400, 0, p => p.Owner("ReplicaSet", "rs")),
            new LowNodeUtilizationSettings { Thresholds = T(("cpu", 30)), TargetThresholds = T(("cpu", 50)) }, 2),
        new("extended resource: only the pods' gpu headroom matters",
            () => new TestCluster()
                .Node("n1", 4000, configure: n => n.Allocatable("nvidia.com/gpu", 4))
                .Node("n2", 4000, configure: n => n.Allocatable("nvidia.com/gpu", 4))
                .Pod("g1", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Request("nvidia.com/gpu", 1))
                .Pod("g2", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Request("nvidia.com/gpu", 1))
                .Pod("g3", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Request("nvidia.com/gpu", 1)),
            new LowNodeUtilizationSettings { Thresholds = T(("nvidia.com/gpu", 25)), TargetThresholds = T(("nvidia.com/gpu", 50)) }, 1),
        new("deviation thresholds: nodes more than 20 points above the mean shed load",
            () => Fixture(n3: n => n.Label("ready", "yes")),
            new LowNodeUtilizationSettings { UseDeviationThresholds = true, Thresholds = T(("cpu", 10)), TargetThresholds = T(("cpu", 20)) }, 3),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LowNodeUtilization_Should_EvictExpectedPods(Case c)
    {
        ClusterSnapshot snapshot = c.Cluster().Build();

        Plan plan = TestPlanner.Plan(snapshot, new LowNodeUtilizationStrategy(c.Settings), settings: c.Planning);

        Assert.Equal(c.Expected, plan.Evictions.Count);
        if (c.ExpectedPods is not null)
        {
            Assert.Equal(c.ExpectedPods, plan.EvictedNames());
        }

        Assert.All(plan.Evictions, e => Assert.True(e.TargetNode >= 0 && e.TargetNode != e.Node));
    }

    [Fact]
    public void LowNodeUtilization_Should_ExplainWithTheNumbers()
    {
        Plan plan = TestPlanner.Plan(Fixture().Build(), new LowNodeUtilizationStrategy(CpuPods30To50));

        Assert.Equal("node n1 overutilized: cpu 80% > target 50%, pods 88.9% > target 50%", plan.Evictions[0].Reason);
        Assert.All(plan.Evictions, e => Assert.Equal("n2", plan.Snapshot.Nodes.Name[e.TargetNode]));
    }

    [Fact]
    public void LowNodeUtilization_Should_UseRealUsage_When_SourceIsKubernetesMetrics()
    {
        // Requests say n1 is at 80%, but metrics say it is idle: nothing is overutilized.
        var cluster = Fixture();
        cluster.Builder.AddNodeMetrics("n1", 100, 1000);
        cluster.Builder.AddNodeMetrics("n2", 100, 1000);
        cluster.Builder.AddNodeMetrics("n3", 0, 0);
        var cpuOnly = new LowNodeUtilizationSettings { Thresholds = T(("cpu", 30)), TargetThresholds = T(("cpu", 50)), MetricsSource = MetricsUtilizationSource.KubernetesMetrics };
        Plan plan = TestPlanner.Plan(cluster.Build(), new LowNodeUtilizationStrategy(cpuOnly));

        Assert.Empty(plan.Evictions);
        Assert.Contains(plan.Notes, n => n.Message.Contains("no node is overutilized", StringComparison.Ordinal));
    }

    [Fact]
    public void LowNodeUtilization_Should_WarnAndLeaveOutNodes_When_MetricsAreMissing()
    {
        var cluster = Fixture();
        cluster.Builder.AddNodeMetrics("n1", 3900, 1000);
        for (int i = 1; i <= 9; i++)
        {
            cluster.Builder.AddPodMetrics("default", $"p{i}", 400, 0);
        }

        Plan plan = TestPlanner.Plan(cluster.Build(), new LowNodeUtilizationStrategy(CpuPods30To50 with { MetricsSource = MetricsUtilizationSource.KubernetesMetrics }));

        Assert.Contains(plan.Warnings, w => w.Message.Contains("no NodeMetrics for 2 node(s) (n2, n3)", StringComparison.Ordinal));
        Assert.Empty(plan.Evictions); // with n2 left out there is no underutilized node
    }

    [Fact]
    public void LowNodeUtilization_Should_SeeEarlierEvictions_When_RunAfterAnotherPlugin()
    {
        // Two LNU runs in one plan: the second sees the projection of the first, so it does not evict again.
        ClusterSnapshot snapshot = Fixture().Build();
        var strategy = new LowNodeUtilizationStrategy(CpuPods30To50);
        var profile = new PlanningProfile("p", DefaultEvictorSettings.Default, [], [strategy, strategy]);

        Plan plan = Planner.Create(snapshot, new PlanningSettings { Profiles = [profile] }, TestPlanner.Now);

        Assert.Equal(4, plan.Evictions.Count);
        Assert.Equal([4, 0], plan.PluginRuns.Select(r => r.Evictions));
    }
}
