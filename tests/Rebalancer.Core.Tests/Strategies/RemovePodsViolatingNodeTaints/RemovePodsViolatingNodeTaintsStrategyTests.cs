using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.RemovePodsViolatingNodeTaints;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.RemovePodsViolatingNodeTaints;

public sealed class RemovePodsViolatingNodeTaintsStrategyTests
{
    public sealed record Case(
        string Name,
        Func<TestCluster> Cluster,
        string[] Expected,
        RemovePodsViolatingNodeTaintsSettings? Settings = null,
        DefaultEvictorSettings? Evictor = null,
        PlanningSettings? Planning = null)
    {
        public override string ToString() => Name;
    }

    private const long Gi = TestCluster.Gi;

    // The descheduler's test pods (node_taint_test.go): 100m cpu, no memory, owned unless said otherwise.
    private static readonly Dictionary<string, Action<PodBuilder>> Pods = new()
    {
        ["p1"] = p => p.Owner("ReplicaSet", "rs").Tolerate("testTaint1", "test1", TaintEffect.NoSchedule),
        ["p2"] = p => p.Owner("ReplicaSet", "rs"),
        ["p3"] = p => p.Owner("ReplicaSet", "rs").Tolerate("testTaint1", "test1", TaintEffect.NoSchedule),
        ["p4"] = p => p.Owner("ReplicaSet", "rs").Tolerate("testTaintX1", "testX1", TaintEffect.NoSchedule),
        ["p5"] = p => p.Owner("ReplicaSet", "rs"),
        ["p6"] = p => p.Owner("ReplicaSet", "rs"),
        ["p7"] = p => p.Owner("ReplicaSet", "rs").SystemCritical(),
        ["p8"] = p => p.DaemonSet("ds"),
        ["p9"] = p => p.Owner("ReplicaSet", "rs").HostPath().EmptyDir(),
        ["p10"] = p => p.Owner("ReplicaSet", "rs").Annotation("kubernetes.io/config.mirror", "mirror"),
        ["p11"] = p => p.Owner("ReplicaSet", "rs"),
        ["p12"] = p => p.Owner("ReplicaSet", "rs").NodeSelector("datacenter", "west"),
        ["p13"] = p => p.Owner("ReplicaSet", "rs").Tolerate("testTaint0", "test0", TaintEffect.PreferNoSchedule),
        ["p14"] = p => p.Owner("ReplicaSet", "rs").Tolerate("testTaint1", "test1", TaintEffect.NoSchedule),
        ["p15"] = p => p.Owner("ReplicaSet", "rs").Tolerate("testTaint1", "test1", TaintEffect.NoSchedule).Tolerate("testingTaint1", "testing1", TaintEffect.NoSchedule),
    };

    private static TestCluster With(TestCluster cluster, string node, params string[] pods)
    {
        foreach (string pod in pods)
        {
            cluster.Pod(pod, node, cpu: 100, memory: 0, configure: Pods[pod]);
        }

        return cluster;
    }

    private static TestCluster Nodes(bool spare, params (string Name, Action<NodeBuilder>? Configure)[] nodes)
    {
        var cluster = new TestCluster();
        foreach ((string name, Action<NodeBuilder>? configure) in nodes)
        {
            cluster.Node(name, 2000, 3 * Gi, 10, configure);
        }

        // Rebalancer evicts only pods that have somewhere to go: an untainted node plays the descheduler's nodeFit: false.
        return spare ? cluster.Node("spare", 8000, 16 * Gi, 110) : cluster;
    }

    private static void TestTaint1(NodeBuilder n) => n.Taint("testTaint1", "test1");

    private static void TestingTaint1(NodeBuilder n) => n.Taint("testingTaint1", "testing1");

    private static void BothTaints1(NodeBuilder n) => n.Taint("testTaint1", "test1").Taint("testingTaint1", "testing1");

    private static void PreferNoScheduleTaint1(NodeBuilder n) => n.Taint("testTaint1", "test1", TaintEffect.PreferNoSchedule);

    // TestDeletePodsViolatingNodeTaints, re-expressed; where the descheduler says "p5 or p6" we name the first.
    public static TheoryData<Case> Cases => new()
    {
        new("pods not tolerating the node taint are evicted",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p2", "p3"), ["p2"]),
        new("pods with tolerations that do not match the node taint are evicted",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p3", "p4"), ["p4"]),
        new("maxNoOfPodsToEvictTotal 1 (per node 2)",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p5", "p6"), ["p5"],
            Planning: new PlanningSettings { MaxPodsToEvictPerNode = 2, MaxPodsToEvictTotal = 1 }),
        new("maxNoOfPodsToEvictPerNode 1",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p5", "p6"), ["p5"],
            Planning: new PlanningSettings { MaxPodsToEvictPerNode = 1 }),
        new("maxNoOfPodsToEvictPerNamespace 1",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p5", "p6"), ["p5"],
            Planning: new PlanningSettings { MaxPodsToEvictPerNamespace = 1 }),
        new("critical, DaemonSet, local-storage and mirror pods are not evicted",
            () => With(Nodes(true, ("n2", TestingTaint1)), "n2", "p7", "p8", "p9", "p10"), []),
        new("local-storage pods are evicted when that protection is off",
            () => With(Nodes(true, ("n2", TestingTaint1)), "n2", "p7", "p8", "p9", "p10"), ["p9"],
            Evictor: DefaultEvictorSettings.Default with { Protections = PodProtections.Defaults & ~PodProtections.PodsWithLocalStorage }),
        new("only the non-critical pod is evicted",
            () => With(Nodes(true, ("n2", TestingTaint1)), "n2", "p7", "p8", "p10", "p11"), ["p11"]),
        new("critical pods are evicted when that protection is off",
            () => With(With(Nodes(true, ("n1", TestTaint1), ("n2", TestingTaint1)), "n1", "p2"), "n2", "p7", "p9", "p10"), ["p2", "p7"],
            Evictor: DefaultEvictorSettings.Default with { Protections = PodProtections.Defaults & ~PodProtections.SystemCriticalPods }),
        new("the other node is tainted too: nowhere to go",
            () => With(Nodes(false, ("n1", TestTaint1), ("n2", TestingTaint1)), "n1", "p1", "p2", "p3"), []),
        new("the other node does not match the pod's nodeSelector: nowhere to go",
            () => With(Nodes(false, ("n1", TestTaint1), ("n3", n => n.Label("datacenter", "east"))), "n1", "p1", "p3", "p12"), []),
        new("the other node is cordoned: nowhere to go",
            () => With(Nodes(false, ("n1", TestTaint1), ("n4", n => n.Unschedulable())), "n1", "p1", "p2", "p3"), []),
        new("PreferNoSchedule taints are ignored by default",
            () => With(Nodes(true, ("n5", PreferNoScheduleTaint1)), "n5", "p13"), []),
        new("PreferNoSchedule taints count with includePreferNoSchedule",
            () => With(Nodes(true, ("n5", PreferNoScheduleTaint1)), "n5", "p13"), ["p13"],
            new RemovePodsViolatingNodeTaintsSettings { IncludePreferNoSchedule = true }),
        new("a taint excluded by key is ignored",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p2"), [],
            new RemovePodsViolatingNodeTaintsSettings { ExcludedTaints = ["excludedTaint1", "testTaint1"] }),
        new("a taint excluded by key=value is ignored",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p2"), [],
            new RemovePodsViolatingNodeTaintsSettings { ExcludedTaints = ["testTaint1=test1"] }),
        new("an exclusion with another value does not match",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p2"), ["p2"],
            new RemovePodsViolatingNodeTaintsSettings { ExcludedTaints = ["testTaint1=test2"] }),
        new("the only other node lacks resources",
            () => With(With(new TestCluster().Node("n1", 2000, 3 * Gi, 10, TestTaint1).Node("n6", 1, 1, 1, PreferNoScheduleTaint1), "n1", "p2"), "n1", "p7"), [],
            Evictor: DefaultEvictorSettings.Default with { Protections = PodProtections.Defaults & ~PodProtections.SystemCriticalPods }),
        new("a pod tolerating the included taint stays even with another taint present",
            () => With(Nodes(true, ("n7", BothTaints1)), "n7", "p1"), [],
            new RemovePodsViolatingNodeTaintsSettings { IncludedTaints = ["testTaint1=test1"] }),
        new("taints that are not included are ignored",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p2", "p4"), [],
            new RemovePodsViolatingNodeTaintsSettings { IncludedTaints = ["testTaint2=test2"] }),
        new("pods not tolerating an included taint are evicted",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p2", "p3"), ["p2"],
            new RemovePodsViolatingNodeTaintsSettings { IncludedTaints = ["testTaint1=test1"] }),
        new("an included taint can be named by key",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p2"), ["p2"],
            new RemovePodsViolatingNodeTaintsSettings { IncludedTaints = ["testTaint1"] }),
        new("an empty includedTaints list counts no taint (the descheduler's nil check)",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p1", "p2"), [],
            new RemovePodsViolatingNodeTaintsSettings { IncludedTaints = [] }),
        new("without includedTaints every taint counts: a pod tolerating one of two is evicted",
            () => With(Nodes(true, ("n7", BothTaints1)), "n7", "p14", "p15"), ["p14"]),
        new("NoExecute taints are not considered",
            () => With(Nodes(true, ("n1", n => n.Taint("testTaint1", "test1", TaintEffect.NoExecute))), "n1", "p2"), []),
        new("namespaces include",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p2").Pod("other", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Namespace("team")), ["other"],
            new RemovePodsViolatingNodeTaintsSettings { Namespaces = new NamespacesSpec(["team"], []) }),
        new("namespaces exclude",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p2").Pod("other", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Namespace("team")), ["p2"],
            new RemovePodsViolatingNodeTaintsSettings { Namespaces = new NamespacesSpec([], ["team"]) }),
        new("labelSelector",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p2").Pod("web", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Label("app", "web")), ["web"],
            new RemovePodsViolatingNodeTaintsSettings { LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec("app", SelectorOperator.In, ["web"])]) }),
        new("terminal pods are not considered",
            () => With(Nodes(true, ("n1", TestTaint1)), "n1", "p2").Pod("done", "n1", 100, 0, p => p.Owner("ReplicaSet", "rs").Phase(PodPhase.Succeeded)), ["p2"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RemovePodsViolatingNodeTaints_Should_EvictExpectedPods(Case c)
    {
        Plan plan = TestPlanner.Plan(c.Cluster().Build(), new RemovePodsViolatingNodeTaintsStrategy(c.Settings ?? new RemovePodsViolatingNodeTaintsSettings()),
            c.Evictor, c.Planning, ExtensionPoint.Deschedule);

        Assert.Equal(c.Expected, plan.EvictedNames());
        Assert.All(plan.Evictions, e => Assert.Equal("spare", plan.Snapshot.Nodes.Name[e.TargetNode]));
    }

    [Fact]
    public void RemovePodsViolatingNodeTaints_Should_NameTheTaintInTheReason()
    {
        ClusterSnapshot snapshot = new TestCluster().Node("n2", configure: n => n.Taint("dedicated", "gpu")).Node("n1")
            .Pod("web", "n2", configure: p => p.Owner("ReplicaSet", "rs")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingNodeTaintsStrategy(new RemovePodsViolatingNodeTaintsSettings()), point: ExtensionPoint.Deschedule);

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal("taint dedicated=gpu:NoSchedule on n2 is not tolerated", eviction.Reason);
    }

    [Fact]
    public void RemovePodsViolatingNodeTaints_Should_RecordWhyAViolatingPodStays()
    {
        ClusterSnapshot snapshot = With(Nodes(false, ("n1", TestTaint1), ("n2", TestingTaint1)), "n1", "p2", "p8").Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingNodeTaintsStrategy(new RemovePodsViolatingNodeTaintsSettings()), point: ExtensionPoint.Deschedule);

        Assert.Empty(plan.Evictions);
        Assert.Equal([SkipReasons.NodeFit], plan.SkipReasonsOf("p2"));
        Assert.Equal([SkipReasons.DaemonSet], plan.SkipReasonsOf("p8"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"excludedTaints": ["do-not-evict"], "includedTaints": ["testTaint1=test1"]}""", "args.includedTaints: either includedTaints or excludedTaints can be set, but not both")]
    [InlineData("""{"namespaces": {"include": ["default"], "exclude": ["kube-system"]}}""", "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"labelSelector": {"matchExpressions": [{"operator": "In"}]}}""", "args.labelSelector.matchExpressions[0].key: is required")]
    [InlineData("""{"includePreferNoSchedule": "yes"}""", "args.includePreferNoSchedule: 'yes' is not a boolean (true or false)")]
    [InlineData("""{"excludedTaint": ["a"]}""", "args.excludedTaint: unknown field 'excludedTaint' (known: excludedTaints, includePreferNoSchedule, includedTaints, labelSelector, namespaces); did you mean 'excludedTaints'?")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, params string[] expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal(expected, problems);
    }

    [Fact]
    public void Bind_Should_ReadEveryArgument()
    {
        (RemovePodsViolatingNodeTaintsSettings settings, string[] problems) = Bind("""
            {"namespaces": {"exclude": ["kube-system"]}, "labelSelector": {"matchLabels": {"app": "web"}},
             "includePreferNoSchedule": true, "includedTaints": ["dedicated", "gpu=true"]}
            """);

        Assert.Empty(problems);
        Assert.Equal(["kube-system"], settings.Namespaces.Exclude);
        Assert.Equal("app=web", settings.LabelSelector!.ToString());
        Assert.True(settings.IncludePreferNoSchedule);
        Assert.Equal(["dedicated", "gpu=true"], settings.IncludedTaints);
        Assert.Empty(settings.ExcludedTaints);
        Assert.Null(Bind("{}").Settings.IncludedTaints);
    }

    private static (RemovePodsViolatingNodeTaintsSettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        RemovePodsViolatingNodeTaintsSettings settings = RemovePodsViolatingNodeTaintsSettings.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }
}
