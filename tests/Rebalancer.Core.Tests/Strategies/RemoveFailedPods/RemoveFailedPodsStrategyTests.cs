using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.RemoveFailedPods;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.RemoveFailedPods;

public sealed class RemoveFailedPodsStrategyTests
{
    public sealed record Case(
        string Name,
        Func<TestCluster> Cluster,
        RemoveFailedPodsSettings Settings,
        string[] Expected,
        PlanningSettings? Planning = null,
        DefaultEvictorSettings? Evictor = null)
    {
        public override string ToString() => Name;
    }

    private static readonly DateTimeOffset Now = TestPlanner.Now;

    /// <summary>The descheduler's test args have no default applied: a nil minPodLifetimeSeconds means no age check.</summary>
    private static RemoveFailedPodsSettings Args(bool init = false, string[]? reasons = null, string[]? excludeKinds = null, uint? minAge = null) =>
        new() { IncludingInitContainers = init, Reasons = reasons ?? [], ExcludeOwnerKinds = excludeKinds ?? [], MinPodLifetimeSeconds = minAge };

    private static TestCluster Nodes(params string[] extra)
    {
        var cluster = new TestCluster().Node("node1", 2000, 3 * TestCluster.Gi, 10);
        foreach (string node in extra)
        {
            cluster.Node(node, 2000, 3 * TestCluster.Gi, 10);
        }

        return extra.Length > 0 ? cluster : cluster.Node("node2", 2000, 3 * TestCluster.Gi, 10);
    }

    /// <summary>failedpods_test.go's buildTestPod: ReplicaSet-owned, created now; a container state makes it Failed.</summary>
    private static TestCluster Failed(TestCluster c, string name, Action<PodBuilder> status, string node = "node1", bool terminating = false) =>
        c.Pod(name, node, 1, 1, p =>
        {
            p.Owner("ReplicaSet", "rs").Created(Now).Phase(PodPhase.Failed);
            status(p);
            if (terminating)
            {
                p.Terminating();
            }
        });

    private static void TerminatedNodeAffinity(PodBuilder p) => p.ContainerState(terminated: "NodeAffinity");

    private static void InitTerminatedNodeAffinity(PodBuilder p) => p.ContainerState(init: true, terminated: "NodeAffinity");

    private static void InitWaitingConfigError(PodBuilder p) => p.ContainerState(init: true, waiting: "CreateContainerConfigError");

    private static void TerminatedConfigError(PodBuilder p) => p.ContainerState(terminated: "CreateContainerConfigError");

    private static void Shutdown(PodBuilder p) => p.StatusReason("Shutdown");

    private static readonly string[] P1 = ["p1"];

    // TestRemoveFailedPods, re-expressed.
    public static TheoryData<Case> Cases => new()
    {
        new("no failed pods", () => Nodes().Pod("running", "node1"), Args(), []),
        new("a container terminated with NodeAffinity", () => Failed(Nodes(), "p1", TerminatedNodeAffinity), Args(), P1),
        new("an init container terminated with NodeAffinity", () => Failed(Nodes(), "p1", InitTerminatedNodeAffinity), Args(init: true), P1),
        new("an init container waiting with CreateContainerConfigError", () => Failed(Nodes(), "p1", InitWaitingConfigError), Args(init: true), P1),
        new("two nodes, one failed pod each", () => Failed(Failed(Nodes("node2"), "p1", TerminatedConfigError), "p2", TerminatedConfigError, "node2"),
            Args(init: true), ["p1", "p2"]),
        new("reasons CreateContainerConfigError, matching terminated reason", () => Failed(Nodes(), "p1", TerminatedConfigError),
            Args(reasons: ["CreateContainerConfigError"]), P1),
        new("reasons CreateContainerConfigError and NodeAffinity", () => Failed(Nodes(), "p1", TerminatedConfigError),
            Args(reasons: ["CreateContainerConfigError", "NodeAffinity"]), P1),
        new("reasons CreateContainerConfigError, other reason", () => Failed(Nodes(), "p1", TerminatedNodeAffinity),
            Args(reasons: ["CreateContainerConfigError"]), []),
        new("an init container's reason needs includingInitContainers", () => Failed(Nodes(), "p1", InitWaitingConfigError),
            Args(reasons: ["CreateContainerConfigError"]), []),
        new("minPodLifetimeSeconds 3600, created now", () => Failed(Nodes(), "p1", TerminatedNodeAffinity), Args(minAge: 3600), []),
        new("excludeOwnerKinds ReplicaSet", () => Failed(Nodes(), "p1", InitTerminatedNodeAffinity), Args(init: true, excludeKinds: ["ReplicaSet"]), []),
        new("excludeOwnerKinds DaemonSet", () => Failed(Nodes(), "p1", InitTerminatedNodeAffinity), Args(init: true, excludeKinds: ["DaemonSet"]), P1),
        new("terminating", () => Failed(Nodes(), "p1", InitTerminatedNodeAffinity, terminating: true), Args(init: true, excludeKinds: ["DaemonSet"]), []),
        new("reasons Shutdown matches the pod's status reason", () => Failed(Failed(Nodes(), "p1", Shutdown), "p2", Shutdown), Args(reasons: ["Shutdown"]), ["p1", "p2"]),

        // The descheduler evicts nothing in these three with nodeFit: true, because no other node could take the pod.
        // A failed pod holds nothing and is not rescheduled, so Rebalancer needs no target (docs/compatibility.md).
        new("the other node is cordoned (descheduler nodeFit: 0)", () => Failed(Nodes().Node("cordoned", configure: n => n.Unschedulable()), "p1", TerminatedNodeAffinity),
            Args(), P1, Evictor: DefaultEvictorSettings.Default with { NodeFit = true }),
        new("the other node has no room (descheduler nodeFit: 0)", () => Failed(new TestCluster().Node("node1", 1, 1).Node("node2", 0, 0), "p1", TerminatedConfigError),
            Args(reasons: ["CreateContainerConfigError"]), P1, Evictor: DefaultEvictorSettings.Default with { NodeFit = true }),
        new("status reason Shutdown without a reasons filter (descheduler nodeFit: 0)", () => Failed(Nodes(), "p1", Shutdown), Args(), P1,
            Evictor: DefaultEvictorSettings.Default with { NodeFit = true }),

        // Rebalancer's own cases for the remaining arguments.
        new("running pods are not considered", () => Nodes().Pod("p1", "node1", configure: p => p.Owner("ReplicaSet", "rs").ContainerState(terminated: "Error")), Args(), []),
        new("exitCodes match a terminated container", () => Failed(Nodes(), "p1", p => p.ContainerState(terminated: "Error", exitCode: 1)), Args() with { ExitCodes = [1] }, P1),
        new("exitCodes do not match", () => Failed(Nodes(), "p1", p => p.ContainerState(terminated: "Error", exitCode: 1)), Args() with { ExitCodes = [2] }, []),
        new("an init container's exit code needs includingInitContainers", () => Failed(Nodes(), "p1", p => p.ContainerState(init: true, exitCode: 1)),
            Args() with { ExitCodes = [1] }, []),
        new("an init container's exit code with includingInitContainers", () => Failed(Nodes(), "p1", p => p.ContainerState(init: true, exitCode: 1)),
            Args(init: true) with { ExitCodes = [1] }, P1),
        new("reasons and exitCodes must both match", () => Failed(Nodes(), "p1", p => p.ContainerState(terminated: "OOMKilled", exitCode: 137)),
            Args(reasons: ["Error"]) with { ExitCodes = [137] }, []),
        new("the default minPodLifetimeSeconds (3600): one hour old is old enough", () => Failed(Nodes(), "p1", p => p.Created(Now.AddSeconds(-3600))),
            new RemoveFailedPodsSettings(), P1),
        new("the default minPodLifetimeSeconds (3600): 59 minutes is too young", () => Failed(Nodes(), "p1", p => p.Created(Now.AddMinutes(-59))),
            new RemoveFailedPodsSettings(), []),
        new("a bare failed pod is protected by FailedBarePods", () => Nodes().Pod("p1", "node1", configure: p => p.Phase(PodPhase.Failed)), Args(), []),
        new("a bare failed pod is evicted without that protection", () => Nodes().Pod("p1", "node1", configure: p => p.Phase(PodPhase.Failed)), Args(), P1,
            Evictor: DefaultEvictorSettings.Default with { Protections = PodProtections.Defaults & ~PodProtections.FailedBarePods }),
        new("maxNoOfPodsToEvictPerNode 1: next node", () => Failed(Failed(Failed(Nodes("node2"), "p1", Shutdown), "p2", Shutdown), "p3", Shutdown, "node2"),
            Args(), ["p1", "p3"], new PlanningSettings { MaxPodsToEvictPerNode = 1 }),
        new("maxNoOfPodsToEvictTotal 1: stop", () => Failed(Failed(Nodes("node2"), "p1", Shutdown), "p3", Shutdown, "node2"),
            Args(), P1, new PlanningSettings { MaxPodsToEvictTotal = 1 }),
        new("namespaces include", () => Failed(Failed(Nodes(), "p1", Shutdown), "p2", p => p.Namespace("other")), Args() with { Namespaces = new NamespacesSpec(["other"], []) }, ["p2"]),
        new("labelSelector", () => Failed(Failed(Nodes(), "p1", p => p.Label("app", "batch")), "p2", Shutdown),
            Args() with { LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec("app", SelectorOperator.In, ["batch"])]) }, P1),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RemoveFailedPods_Should_EvictExpectedPods(Case c)
    {
        Plan plan = TestPlanner.Plan(c.Cluster().Build(), new RemoveFailedPodsStrategy(c.Settings), c.Evictor, c.Planning, ExtensionPoint.Deschedule);

        Assert.Equal(c.Expected, plan.EvictedNames());
        Assert.All(plan.Evictions, e => Assert.Equal(-1, e.TargetNode));
    }

    [Fact]
    public void RemoveFailedPods_Should_ExplainTheMatch_And_CountThePodOnItsNode()
    {
        ClusterSnapshot snapshot = Failed(Nodes(), "p1", p => p.Created(Now.AddHours(-2)).StatusReason("NodeAffinity").ContainerState(terminated: "Error", exitCode: 1)).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemoveFailedPodsStrategy(new RemoveFailedPodsSettings { Reasons = ["NodeAffinity"], ExitCodes = [1] }),
            point: ExtensionPoint.Deschedule);

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal("failed; age 2h >= minPodLifetimeSeconds 3600; reason NodeAffinity; exit code 1; not running (phase Failed): no target needed", eviction.Reason);
        Assert.Equal("node1", snapshot.Nodes.Name[eviction.Node]);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"namespaces": {"include": ["default"], "exclude": ["kube-system"]}}""", "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"labelSelector": {"matchLabels": {"app": ["x"]}}}""", "args.labelSelector.matchLabels.app: must be a string")]
    [InlineData("""{"minPodLifetimeSeconds": -1}""", "args.minPodLifetimeSeconds: -1 is not in [0, 4294967295]")]
    [InlineData("""{"exitCodes": [1.5]}""", "args.exitCodes[0]: '1.5' is not an integer")]
    [InlineData("""{"minPodLifeTimeSeconds": 60}""",
        "args.minPodLifeTimeSeconds: unknown field 'minPodLifeTimeSeconds' (known: excludeOwnerKinds, exitCodes, includingInitContainers, labelSelector, minPodLifetimeSeconds, namespaces, reasons); did you mean 'minPodLifetimeSeconds'? (names are case-sensitive)")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, params string[] expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal(expected, problems);
    }

    [Theory]
    [InlineData("{}", 3600u)]
    [InlineData("""{"minPodLifetimeSeconds": null}""", 3600u)]
    [InlineData("""{"minPodLifetimeSeconds": 0}""", 0u)]
    [InlineData("""{"minPodLifetimeSeconds": 86400}""", 86400u)]
    public void Bind_Should_DefaultMinPodLifetimeSecondsTo3600(string json, uint expected)
    {
        (RemoveFailedPodsSettings settings, string[] problems) = Bind(json);

        Assert.Empty(problems);
        Assert.Equal(expected, settings.MinPodLifetimeSeconds);
    }

    [Fact]
    public void Bind_Should_ReadEveryArgument()
    {
        (RemoveFailedPodsSettings settings, string[] problems) = Bind("""
            {"minPodLifetimeSeconds": 60, "excludeOwnerKinds": ["Job"], "reasons": ["NodeAffinity", "OOMKilled"], "exitCodes": [1, 137],
             "includingInitContainers": true, "namespaces": {"exclude": ["kube-system"]}, "labelSelector": {"matchLabels": {"app": "batch"}}}
            """);

        Assert.Empty(problems);
        Assert.Equal(60u, settings.MinPodLifetimeSeconds);
        Assert.Equal(["Job"], settings.ExcludeOwnerKinds);
        Assert.Equal(["NodeAffinity", "OOMKilled"], settings.Reasons);
        Assert.Equal([1, 137], settings.ExitCodes);
        Assert.True(settings.IncludingInitContainers);
        Assert.Equal(["kube-system"], settings.Namespaces.Exclude);
        Assert.Equal("app=batch", settings.LabelSelector!.ToString());
    }

    private static (RemoveFailedPodsSettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        RemoveFailedPodsSettings settings = RemoveFailedPodsSettings.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }
}
