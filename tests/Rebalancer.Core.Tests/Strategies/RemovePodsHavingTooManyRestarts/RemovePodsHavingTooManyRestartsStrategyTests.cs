using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.RemovePodsHavingTooManyRestarts;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.RemovePodsHavingTooManyRestarts;

public sealed class RemovePodsHavingTooManyRestartsStrategyTests
{
    public enum Status
    {
        /// <summary>initPods: two containers with 10·i restarts each, one init container with 5·i.</summary>
        Default,

        /// <summary>The first container waits in CrashLoopBackOff.</summary>
        CrashLoop,

        /// <summary>Every pod is Pending.</summary>
        Pending,

        /// <summary>The init container status is replaced by one waiting in CrashLoopBackOff with no restarts.</summary>
        InitCrashLoop,
    }

    public sealed record Case(
        string Name,
        string[] Nodes,
        RemovePodsHavingTooManyRestartsSettings Settings,
        string[] Expected,
        Status Status = Status.Default,
        uint? MaxPerNode = null,
        uint? MaxPerNamespace = null)
    {
        public override string ToString() => Name;
    }

    /// <summary>The descheduler's nodes: node1 holds the pods; node2 tainted, node3 cordoned, node4 nearly full, node5 free.</summary>
    private static TestCluster Build(string[] nodes, Status status)
    {
        var cluster = new TestCluster();
        foreach (string node in nodes)
        {
            _ = node switch
            {
                "node1" or "node5" => cluster.Node(node, 2000, 3 * TestCluster.Gi, 10),
                "node2" => cluster.Node(node, 2000, 3 * TestCluster.Gi, 10, n => n.Taint("hardware", "gpu")),
                "node3" => cluster.Node(node, 2000, 3 * TestCluster.Gi, 10, n => n.Unschedulable()),
                "node4" => cluster.Node(node, 200, 3 * TestCluster.Gi, 10),
                _ => throw new ArgumentOutOfRangeException(nameof(nodes)),
            };
        }

        for (int i = 0; i <= 9; i++)
        {
            int n = i;
            cluster.Pod($"pod-{i}", "node1", 100, 0, p =>
            {
                _ = n switch
                {
                    6 => p.DaemonSet("ds"),
                    7 => p.Owner("ReplicaSet", "rs").HostPath().EmptyDir(),
                    8 => p.Owner("ReplicaSet", "rs").Annotation("kubernetes.io/config.mirror", "mirror"),
                    _ => p.Owner("ReplicaSet", "rs"),
                };
                p.ContainerState(10 * n, waiting: status == Status.CrashLoop ? "CrashLoopBackOff" : null).ContainerState(10 * n);
                _ = status == Status.InitCrashLoop ? p.ContainerState(0, init: true, waiting: "CrashLoopBackOff") : p.ContainerState(5 * n, init: true);
                if (status == Status.Pending)
                {
                    p.Phase(PodPhase.Pending);
                }
            });
        }

        if (nodes.Contains("node4"))
        {
            cluster.Pod("CPU-consumer-1", "node4", 150, 100);
        }

        if (nodes.Contains("node5"))
        {
            cluster.Pod("CPU-consumer-2", "node5", 150, 100);
        }

        return cluster;
    }

    private static RemovePodsHavingTooManyRestartsSettings Args(int threshold, bool init = false, params string[] states) =>
        new() { PodRestartThreshold = threshold, IncludingInitContainers = init, States = states };

    // Where the descheduler runs on node1 alone with nodeFit off, node5 is added: Rebalancer only evicts to a place.
    private static readonly string[] Alone = ["node1", "node5"];
    private static readonly string[] All6 = ["pod-9", "pod-5", "pod-4", "pod-3", "pod-2", "pod-1"];
    private static readonly string[] Top3 = ["pod-9", "pod-5", "pod-4"];

    // TestRemovePodsHavingTooManyRestarts, re-expressed. Pods 6, 7, 8 (DaemonSet, local storage, mirror) are protected.
    public static TheoryData<Case> Cases => new()
    {
        new("all pods under the threshold", Alone, Args(10000, true), []),
        new("threshold 1 (init included): 6 evictions, most restarts first", Alone, Args(1, true), All6),
        new("threshold 25 reached exactly (init included): 6 evictions", Alone, Args(25, true), All6),
        new("threshold 25 (init excluded): 5 evictions", Alone, Args(25, false), ["pod-9", "pod-5", "pod-4", "pod-3", "pod-2"]),
        new("threshold 20 (init included): 6 evictions", Alone, Args(20, true), All6),
        new("threshold 20 reached exactly (init excluded): 6 evictions", Alone, Args(20, false), All6),
        new("threshold 126 (init included): 1 eviction", Alone, Args(5 * 25 + 1, true), ["pod-9"]),
        new("threshold 101 (init excluded): 1 eviction", Alone, Args(5 * 20 + 1, false), ["pod-9"]),
        new("maxNoOfPodsToEvictPerNode 3", Alone, Args(1, true), Top3, MaxPerNode: 3),
        new("maxNoOfPodsToEvictPerNamespace 3", Alone, Args(1, true), Top3, MaxPerNamespace: 3),
        new("the only other node is tainted", ["node1", "node2"], Args(1, true), [], MaxPerNode: 3),
        new("the only other node is cordoned", ["node1", "node3"], Args(1, true), [], MaxPerNode: 3),
        new("the only other node lacks cpu", ["node1", "node4"], Args(1, true), [], MaxPerNode: 3),
        new("the only other node has enough cpu", ["node1", "node5"], Args(1, true), Top3, MaxPerNode: 3),
        new("states CrashLoopBackOff, pods in CrashLoopBackOff", Alone, Args(1, false, "CrashLoopBackOff"), Top3, Status.CrashLoop, MaxPerNode: 3),
        new("states CrashLoopBackOff, pods not in CrashLoopBackOff", Alone, Args(1, false, "CrashLoopBackOff"), [], MaxPerNode: 3),
        new("states Running, pods Running", Alone, Args(1, false, "Running"), Top3, MaxPerNode: 3),
        new("states Running, pods Pending", Alone, Args(1, false, "Running"), [], Status.Pending, MaxPerNode: 3),
        new("states CrashLoopBackOff on an init container (init included)", Alone, Args(1, true, "CrashLoopBackOff"), Top3, Status.InitCrashLoop, MaxPerNode: 3),
        new("states CrashLoopBackOff on an init container (init excluded)", Alone, Args(1, false, "CrashLoopBackOff"), [], Status.InitCrashLoop, MaxPerNode: 3),
        new("namespaces exclude", Alone, Args(1, true) with { Namespaces = new NamespacesSpec([], ["default"]) }, []),
        new("labelSelector", Alone, Args(1, true) with { LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec("app", SelectorOperator.Exists, [])]) }, []),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RemovePodsHavingTooManyRestarts_Should_EvictExpectedPods(Case c)
    {
        var settings = new PlanningSettings { MaxPodsToEvictPerNode = c.MaxPerNode, MaxPodsToEvictPerNamespace = c.MaxPerNamespace };

        Plan plan = TestPlanner.Plan(Build(c.Nodes, c.Status).Build(), new RemovePodsHavingTooManyRestartsStrategy(c.Settings), settings: settings, point: ExtensionPoint.Deschedule);

        Assert.Equal(c.Expected, plan.EvictedNames());
    }

    [Fact]
    public void RemovePodsHavingTooManyRestarts_Should_StateTheCountInTheReason()
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(2, "n")
            .Pod("web", "n-0", configure: p => p.Owner("ReplicaSet", "rs").ContainerState(12)).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsHavingTooManyRestartsStrategy(Args(10)), point: ExtensionPoint.Deschedule);

        Assert.Equal("12 restarts >= podRestartThreshold 10", Assert.Single(plan.Evictions).Reason);
    }

    [Fact]
    public void RemovePodsHavingTooManyRestarts_Should_EvictAFailedPodWithoutATarget()
    {
        // Pods of every phase are listed; a failed pod needs no room elsewhere (the only other node is cordoned).
        ClusterSnapshot snapshot = new TestCluster().Node("n-0").Node("n-1", configure: n => n.Unschedulable())
            .Pod("crashed", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Phase(PodPhase.Failed).ContainerState(3, terminated: "Error", exitCode: 1))
            .Pod("running", "n-0", configure: p => p.Owner("ReplicaSet", "rs").ContainerState(3)).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsHavingTooManyRestartsStrategy(Args(3)), point: ExtensionPoint.Deschedule);

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal("crashed", snapshot.Pods.Name[eviction.Pod]);
        Assert.Equal(-1, eviction.TargetNode);
        Assert.Equal("n-0", snapshot.Nodes.Name[eviction.Node]);
        Assert.Equal("3 restarts >= podRestartThreshold 3; not running (phase Failed): no target needed", eviction.Reason);
        Assert.Equal([Rebalancer.Core.Evictor.SkipReasons.NodeFit], plan.SkipReasonsOf("running"));
    }

    [Theory]
    [InlineData("""{"podRestartThreshold": 1}""")]
    [InlineData("{}", "args.podRestartThreshold: is required: invalid PodsHavingTooManyRestarts threshold (must be at least 1)")]
    [InlineData("""{"podRestartThreshold": 0}""", "args.podRestartThreshold: invalid PodsHavingTooManyRestarts threshold 0 (must be at least 1)")]
    [InlineData("""{"podRestartThreshold": "5"}""", "args.podRestartThreshold: '5' is not an integer")]
    [InlineData("""{"podRestartThreshold": 3000000000}""", "args.podRestartThreshold: 3000000000 is not in [-2147483648, 2147483647]")]
    [InlineData("""{"podRestartThreshold": 1, "states": ["Running", "Pending"]}""", "args.states[1]: 'Pending' is not one of Running, CrashLoopBackOff")]
    [InlineData("""{"podRestartThreshold": 1, "namespaces": {"include": ["a"], "exclude": ["b"]}}""", "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"podRestartThreshold": 1, "includingInitContainer": true}""",
        "args.includingInitContainer: unknown field 'includingInitContainer' (known: includingInitContainers, labelSelector, namespaces, podRestartThreshold, states); did you mean 'includingInitContainers'?")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, params string[] expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal(expected, problems);
    }

    [Fact]
    public void Bind_Should_ReadEveryArgument()
    {
        // The descheduler README's example args.
        (RemovePodsHavingTooManyRestartsSettings settings, string[] problems) = Bind("""
            {"podRestartThreshold": 100, "includingInitContainers": true, "states": ["CrashLoopBackOff"],
             "namespaces": {"include": ["web"]}, "labelSelector": {"matchLabels": {"tier": "front"}}}
            """);

        Assert.Empty(problems);
        Assert.Equal(100, settings.PodRestartThreshold);
        Assert.True(settings.IncludingInitContainers);
        Assert.Equal(["CrashLoopBackOff"], settings.States);
        Assert.Equal(["web"], settings.Namespaces.Include);
        Assert.Equal("tier=front", settings.LabelSelector!.ToString());
    }

    private static (RemovePodsHavingTooManyRestartsSettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        RemovePodsHavingTooManyRestartsSettings settings = RemovePodsHavingTooManyRestartsSettings.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }
}
