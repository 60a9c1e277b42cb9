using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.RemovePodsViolatingInterPodAntiAffinity;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.RemovePodsViolatingInterPodAntiAffinity;

public sealed class RemovePodsViolatingInterPodAntiAffinityStrategyTests
{
    public sealed record Case(
        string Name,
        Func<TestCluster> Cluster,
        string[] Expected,
        PlanningSettings? Planning = null,
        RemovePodsViolatingInterPodAntiAffinitySettings? Settings = null)
    {
        public override string ToString() => Name;
    }

    private const long Gi = TestCluster.Gi;

    private static void MainRegion(NodeBuilder n) => n.Label("region", "main-region");

    /// <summary>n1 in main-region, plus (when <paramref name="spare"/>) a node outside it where evicted pods can go.</summary>
    private static TestCluster Nodes(bool spare = true)
    {
        var cluster = new TestCluster().Node("n1", 2000, 3 * Gi, 10, MainRegion);
        return spare ? cluster.Node("spare", 8000, 16 * Gi, 110, n => n.Label("region", "other-region")) : cluster;
    }

    // The descheduler's pods (pod_antiaffinity_test.go): 100m, no memory; anti-affinity terms use topologyKey region.
    private static TestCluster AntiFooBar(TestCluster c, string name, string node = "n1") =>
        c.Pod(name, node, 100, 0, p => p.Owner("ReplicaSet", "rs").AntiAffinity("foo", "bar", "region"));

    private static TestCluster FooBar(TestCluster c, string name, string node = "n1") =>
        c.Pod(name, node, 100, 0, p => p.Owner("ReplicaSet", "rs").Label("foo", "bar"));

    private static TestCluster FourPods(TestCluster c) => AntiFooBar(AntiFooBar(FooBar(AntiFooBar(c, "p1"), "p2"), "p3"), "p4");

    private static TestCluster NonEvictable(TestCluster c) =>
        c.Pod("non-evict", "n1", 100, 0, p => p.Priority(2_000_000_000).Label("foo", "bar"));

    // TestPodAntiAffinity, re-expressed, then Rebalancer's own cases for topology domains and scope.
    public static TheoryData<Case> Cases => new()
    {
        new("three pods whose anti-affinity selects p2 are evicted; p2 stays", () => FourPods(Nodes()), ["p1", "p3", "p4"]),
        new("maxNoOfPodsToEvictPerNode 3", () => FourPods(Nodes()), ["p1", "p3", "p4"], new PlanningSettings { MaxPodsToEvictPerNode = 3 }),
        new("maxNoOfPodsToEvictPerNamespace 3", () => FourPods(Nodes()), ["p1", "p3", "p4"], new PlanningSettings { MaxPodsToEvictPerNamespace = 3 }),
        new("maxNoOfPodsToEvictTotal 1", () => FourPods(Nodes()), ["p1"], new PlanningSettings { MaxPodsToEvictPerNamespace = 3, MaxPodsToEvictTotal = 1 }),
        new("maxNoOfPodsToEvictPerNode 1", () => FourPods(Nodes()), ["p1"], new PlanningSettings { MaxPodsToEvictPerNode = 1 }),
        new("lowest priority first, and once it is gone its peers stay",
            () => Nodes()
                .Pod("p5", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("foo", "bar").AntiAffinity("foo1", "bar1", "region").Priority(100))
                .Pod("p6", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("foo", "bar").AntiAffinity("foo1", "bar1", "region").Priority(50))
                .Pod("p7", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("foo1", "bar1").AntiAffinity("foo", "bar", "region").Priority(0)),
            ["p7"]),
        new("a pod conflicting with a critical pod is evicted; the critical pod counts but stays",
            () => NonEvictable(AntiFooBar(Nodes(), "p1")), ["p1"], new PlanningSettings { MaxPodsToEvictPerNode = 1 }),
        new("pods without anti-affinity are not evicted",
            () => NonEvictable(Nodes(false).Node("n2", 2000, 3 * Gi, 10, n => n.Label("datacenter", "east"))
                .Pod("p8", "n1", 100, 0, p => p.NodeSelector("datacenter", "west"))), [], new PlanningSettings { MaxPodsToEvictPerNode = 1 }),
        new("terminating pods are not evicted",
            () => Nodes()
                .Pod("p9", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("foo", "bar").AntiAffinity("foo", "bar", "region").Terminating())
                .Pod("p10", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("foo", "bar").AntiAffinity("foo", "bar", "region").Terminating()),
            []),
        new("the only other node lacks resources",
            () => FourPods(Nodes(false).Node("n4", 2, 2, 1)), [], new PlanningSettings { MaxPodsToEvictPerNode = 3 }),
        new("a conflict on another node of the same region counts",
            () => FooBar(AntiFooBar(Nodes().Node("n5", 200, 3 * Gi, 10, MainRegion), "p1"), "p11", "n5"), ["p1"]),
        new("a conflict on another node of another region does not count",
            () => FooBar(AntiFooBar(Nodes(), "p1"), "p11", "spare"), []),
        new("the same node always counts, even without the topology label",
            () => FooBar(AntiFooBar(new TestCluster().Node("a", 2000).Node("b", 2000), "p1", "a"), "p2", "a"), ["p1"]),
        new("different nodes without the topology label do not conflict",
            () => FooBar(AntiFooBar(new TestCluster().Node("a", 2000).Node("b", 2000).Node("c", 2000), "p1", "a"), "p2", "b"), []),
        new("two replicas that repel each other: only the first goes, the second no longer conflicts",
            () => Nodes().ReplicaSetPods("web", ["n1", "n1"], 100, 0, p => p.AntiAffinity("app", "web", "kubernetes.io/hostname")), ["web-0"]),
        new("a term selects pods of its own namespace only",
            () => AntiFooBar(Nodes(), "p1").Pod("p2", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("foo", "bar").Namespace("other")), []),
        new("namespaces exclude: candidates there are not evicted",
            () => FooBar(AntiFooBar(Nodes(), "p1"), "p2"), [],
            Settings: new RemovePodsViolatingInterPodAntiAffinitySettings { Namespaces = new NamespacesSpec([], ["default"]) }),
        new("labelSelector: pods it does not select do not count as conflicts",
            () => FooBar(Nodes().Pod("p1", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("app", "x").AntiAffinity("foo", "bar", "region")), "p2"), [],
            Settings: new RemovePodsViolatingInterPodAntiAffinitySettings
            {
                LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec("app", SelectorOperator.In, ["x"])]),
            }),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RemovePodsViolatingInterPodAntiAffinity_Should_EvictExpectedPods(Case c)
    {
        Plan plan = TestPlanner.Plan(c.Cluster().Build(),
            new RemovePodsViolatingInterPodAntiAffinityStrategy(c.Settings ?? new RemovePodsViolatingInterPodAntiAffinitySettings()),
            settings: c.Planning, point: ExtensionPoint.Deschedule);

        Assert.Equal(c.Expected, plan.EvictedNames());
    }

    [Fact]
    public void RemovePodsViolatingInterPodAntiAffinity_Should_ExplainTheConflict_And_MoveOutOfTheDomain()
    {
        ClusterSnapshot snapshot = FooBar(AntiFooBar(Nodes().Node("n3", 8000, 16 * Gi, 110, MainRegion), "p1"), "p2").Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingInterPodAntiAffinityStrategy(new()), point: ExtensionPoint.Deschedule);

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal("required anti-affinity (foo=bar, topologyKey region) matches default/p2 on n1", eviction.Reason);
        Assert.Equal("spare", snapshot.Nodes.Name[eviction.TargetNode]); // n3 is emptier but in the same region
    }

    [Fact]
    public void RemovePodsViolatingInterPodAntiAffinity_Should_PreferEvictingBestEffortAndUnannotatedPods()
    {
        // Equal priority: BestEffort before Burstable, and without prefer-no-eviction before with it.
        ClusterSnapshot snapshot = Nodes().Node("s2", 8000, 16 * Gi).Node("s3", 8000, 16 * Gi)
            .Pod("burstable", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("app", "web").AntiAffinity("app", "web", "kubernetes.io/hostname"))
            .Pod("annotated", "n1", 0, 0, p => p.Owner("ReplicaSet", "rs").Label("app", "web").AntiAffinity("app", "web", "kubernetes.io/hostname")
                .Annotation("descheduler.alpha.kubernetes.io/prefer-no-eviction", ""))
            .Pod("besteffort", "n1", 0, 0, p => p.Owner("ReplicaSet", "rs").Label("app", "web").AntiAffinity("app", "web", "kubernetes.io/hostname"))
            .Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingInterPodAntiAffinityStrategy(new()), point: ExtensionPoint.Deschedule);

        // besteffort goes first; annotated still conflicts with burstable and goes next; burstable is then alone.
        Assert.Equal(["besteffort", "annotated"], plan.EvictedNames());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("""{"namespaces": {"include": ["default"], "exclude": ["kube-system"]}}""", "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"labelSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}""", "args.labelSelector.matchExpressions[0].values: must be non-empty for operator In")]
    [InlineData("""{"nodeFit": true}""", "args.nodeFit: unknown field 'nodeFit' (known: labelSelector, namespaces)")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, params string[] expected)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        RemovePodsViolatingInterPodAntiAffinitySettings.Bind(reader);
        reader.RejectUnknown();

        Assert.Equal(expected, problems.All.Select(p => p.ToString()));
    }
}
