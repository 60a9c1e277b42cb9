using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.PodLifeTime;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Core.Strategies.RemovePodsHavingTooManyRestarts;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.PodLifeTime;

public sealed class PodLifeTimeStrategyTests
{
    public sealed record Case(
        string Name,
        Func<TestCluster, TestCluster> Pods,
        PodLifeTimeSettings Settings,
        string[] Expected,
        PlanningSettings? Planning = null,
        DefaultEvictorSettings? Evictor = null)
    {
        public override string ToString() => Name;
    }

    private static readonly DateTimeOffset Now = TestPlanner.Now;
    private static readonly DateTimeOffset Older = new(2009, 11, 10, 23, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset OldTransition = Now.AddHours(-2);
    private static readonly DateTimeOffset NewTransition = Now.AddMinutes(-1);

    private static readonly PodLifeTimeSettings Max600 = new() { MaxPodLifeTimeSeconds = 600 };

    private static PodLifeTimeSettings Max600With(params string[] states) => Max600 with { States = states };

    private static PodLifeTimeSettings StatesOnly(params string[] states) => new() { States = states };

    /// <summary>n1 holds the pods; "spare" is where running ones go (the descheduler's single-node tests run with nodeFit off).</summary>
    private static TestCluster Nodes() => new TestCluster().Node("n1", 2000, 3 * TestCluster.Gi, 10).Node("spare", 8000, 16 * TestCluster.Gi);

    /// <summary>buildTestPodWithRSOwnerRefForNode1: 100m, no memory, owned by a ReplicaSet, created at <paramref name="created"/>.</summary>
    private static TestCluster Rs(TestCluster c, string name, DateTimeOffset created, Action<PodBuilder>? apply = null) =>
        c.Pod(name, "n1", 100, 0, p =>
        {
            p.Owner("ReplicaSet", "rs").Created(created);
            apply?.Invoke(p);
        });

    private static TestCluster Pending(TestCluster c, string name, DateTimeOffset created, Action<PodBuilder>? apply = null) =>
        Rs(c, name, created, p =>
        {
            p.Phase(PodPhase.Pending);
            apply?.Invoke(p);
        });

    /// <summary>The descheduler's buildPod for the newer filters: 1m/1 byte, ReplicaSet-owned, no conditions.</summary>
    private static TestCluster Plain(TestCluster c, string name, Action<PodBuilder>? apply = null) =>
        c.Pod(name, "n1", 1, 1, p =>
        {
            p.Owner("ReplicaSet", "rs").NoConditions();
            apply?.Invoke(p);
        });

    private static TestCluster Job(TestCluster c, string name, Action<PodBuilder>? apply = null) =>
        c.Pod(name, "n1", 1, 1, p =>
        {
            p.Owner("Job", "job1").NoConditions();
            apply?.Invoke(p);
        });

    private static Case Waiting(string reason) =>
        new($"container waiting in {reason}", c => Pending(c, "p9", Older, p => p.ContainerState(waiting: reason)), Max600With(reason), ["p9"]);

    private static Case StatusReason(string reason) =>
        new($"pod status reason {reason}", c => Pending(c, "p9", Older, p => p.StatusReason(reason)), Max600With(reason), ["p9"]);

    private static Case Phase(PodPhase phase) =>
        new($"phase {phase}", c => Rs(c, "p16", Older, p => p.Phase(phase)), Max600With(phase.ToString()), ["p16"]);

    // pod_lifetime_test.go, re-expressed test by test.
    public static TheoryData<Case> Cases => new()
    {
        // TestPodLifeTime, TestPodLifeTime_EvictorConfiguration, TestPodLifeTime_GenericFiltering
        new("terminating pods are not evicted", c => Rs(Rs(c, "p14", Older, p => p.Terminating()), "p15", Older, p => p.Terminating()),
            Max600 with { LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec("foo", SelectorOperator.In, ["bar"])]) }, []),
        new("a PVC pod is kept with PodsWithPVC protection", c => Rs(c, "p11", Older, p => p.Pvc("foo")), Max600, [],
            Evictor: DefaultEvictorSettings.Default with { Protections = PodProtections.Defaults | PodProtections.PodsWithPVC }),
        new("a PVC pod is evicted by default", c => Rs(c, "p11", Older, p => p.Pvc("foo")), Max600, ["p11"]),
        new("labelSelector", c => Rs(Rs(c, "p12", Older, p => p.Label("foo", "bar")), "p13", Older, p => p.Label("foo", "bar1")),
            Max600 with { LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec("foo", SelectorOperator.In, ["bar"])]) }, ["p12"]),
        new("namespaces exclude", c => Rs(c, "p12", Older), Max600 with { Namespaces = new NamespacesSpec([], ["default"]) }, []),

        // TestPodLifeTime_EvictionLimits
        new("the two old pods, a Pending one included", c => Pending(Rs(Rs(c, "p1", Now), "p2", Older), "p9", Older), Max600, ["p2", "p9"]),
        new("maxNoOfPodsToEvictPerNamespace 1", c => Rs(Rs(c, "p1", Now), "p2", Older), Max600, ["p2"], new PlanningSettings { MaxPodsToEvictPerNamespace = 1 }),
        new("maxNoOfPodsToEvictTotal 1", c => Rs(Rs(c, "p1", Now), "p2", Older), Max600, ["p2"],
            new PlanningSettings { MaxPodsToEvictPerNamespace = 2, MaxPodsToEvictTotal = 1 }),
        new("maxNoOfPodsToEvictPerNode 1", c => Rs(Rs(c, "p1", Now), "p2", Older), Max600, ["p2"], new PlanningSettings { MaxPodsToEvictPerNode = 1 }),

        // TestPodLifeTime_ContainerWaitingReasons
        new("ContainerCreating: only the stuck pod", c => Rs(Pending(c, "p9", Older), "container-creating-stuck", Older, p => p.ContainerState(waiting: "ContainerCreating")),
            Max600With("ContainerCreating"), ["container-creating-stuck"]),
        new("PodInitializing: only the stuck pod", c => Rs(Pending(c, "p9", Older), "pod-initializing-stuck", Older, p => p.ContainerState(waiting: "PodInitializing")),
            Max600With("PodInitializing"), ["pod-initializing-stuck"]),
        Waiting("ImagePullBackOff"),
        Waiting("CrashLoopBackOff"),
        Waiting("CreateContainerConfigError"),
        Waiting("ErrImagePull"),
        Waiting("CreateContainerError"),
        Waiting("InvalidImageName"),
        new("an init container's waiting reason needs includingInitContainers",
            c => Pending(c, "p9", Older, p => p.ContainerState(init: true, waiting: "CreateContainerError")), Max600With("CreateContainerError"), []),
        new("an init container's waiting reason with includingInitContainers",
            c => Pending(c, "p9", Older, p => p.ContainerState(init: true, waiting: "CreateContainerError")),
            Max600With("CreateContainerError") with { IncludingInitContainers = true }, ["p9"]),
        new("another waiting reason does not match", c => Pending(c, "p9", Older, p => p.ContainerState(waiting: "ImagePullBackOff")), Max600With("ContainerCreating"), []),

        // TestPodLifeTime_PodStatusReasons
        StatusReason("NodeLost"),
        StatusReason("NodeAffinity"),
        StatusReason("Shutdown"),
        StatusReason("UnexpectedAdmissionError"),

        // TestPodLifeTime_AgeThreshold
        new("one new and one very old pod", c => Rs(Rs(c, "p1", Now), "p2", Older), Max600, ["p2"]),
        new("two new pods", c => Rs(Rs(c, "p3", Now), "p4", Now), Max600, []),
        new("created 605 seconds ago", c => Rs(Rs(c, "p5", Now), "p6", Now.AddSeconds(-605)), Max600, ["p6"]),
        new("created 595 seconds ago", c => Rs(Rs(c, "p7", Now), "p8", Now.AddSeconds(-595)), Max600, []),
        new("created exactly 600 seconds ago: not older (strict)", c => Rs(c, "p8", Now.AddSeconds(-600)), Max600, []),
        new("created 600.9 seconds ago: 600 whole seconds, not older", c => Rs(c, "p8", Now.AddMilliseconds(-600_900)), Max600, []),
        new("created 601 seconds ago", c => Rs(c, "p8", Now.AddSeconds(-601)), Max600, ["p8"]),
        new("created in the future", c => Rs(c, "p8", Now.AddHours(1)), Max600, []),

        // TestPodLifeTime_PodPhaseStates
        new("Pending selected, Running not", c => Rs(Pending(c, "p9", Older), "p10", Older), Max600With("Pending"), ["p9"]),
        Phase(PodPhase.Succeeded),
        Phase(PodPhase.Failed),
        Phase(PodPhase.Unknown),

        // TestStatesWithTerminatedReasons
        new("terminated reason via states", c => Plain(c, "p1", p => p.Phase(PodPhase.Failed).ContainerState(terminated: "NodeAffinity")),
            StatesOnly("Failed", "NodeAffinity"), ["p1"]),
        new("pod status reason via states", c => Plain(c, "p1", p => p.Phase(PodPhase.Failed).StatusReason("Shutdown")), StatesOnly("Shutdown"), ["p1"]),
        new("init container terminated reason with includingInitContainers",
            c => Plain(c, "p1", p => p.ContainerState(init: true, terminated: "CreateContainerConfigError")),
            StatesOnly("CreateContainerConfigError") with { IncludingInitContainers = true }, ["p1"]),
        new("init container terminated reason without the flag",
            c => Plain(c, "p1", p => p.ContainerState(init: true, terminated: "CreateContainerConfigError")), StatesOnly("CreateContainerConfigError"), []),

        // TestConditionFiltering
        new("condition reason and status",
            c => Plain(Plain(c, "p1", p => p.Condition("Initialized", "True", "PodCompleted", OldTransition)), "p2", p => p.Condition("Initialized", "True", "OtherReason", OldTransition)),
            new PodLifeTimeSettings { Conditions = [new PodConditionFilter(null, "True", "PodCompleted", null)] }, ["p1"]),
        new("condition type only", c => Plain(c, "p1", p => p.Condition("Ready", "False", null, OldTransition)),
            new PodLifeTimeSettings { Conditions = [new PodConditionFilter("Ready", null, null, null)] }, ["p1"]),
        new("no matching condition", c => Plain(c, "p1", p => p.Condition("Ready", "True", "SomethingElse")),
            new PodLifeTimeSettings { Conditions = [new PodConditionFilter(null, null, "PodCompleted", null)] }, []),

        // TestTransitionTimeFiltering
        new("an old transition",
            c => Plain(c, "p1", p => p.Phase(PodPhase.Succeeded).Condition("Initialized", "True", "PodCompleted", OldTransition).Condition("Ready", "False", "PodCompleted", OldTransition)),
            StatesOnly("Succeeded") with { Conditions = [new PodConditionFilter(null, "True", "PodCompleted", 300)] }, ["p1"]),
        new("a recent transition", c => Plain(c, "p1", p => p.Phase(PodPhase.Succeeded).Condition("Ready", "False", null, NewTransition)),
            StatesOnly("Succeeded") with { Conditions = [new PodConditionFilter(null, null, null, 14400)] }, []),
        new("the transition time of the matching condition only",
            c => Plain(c, "p1", p => p.Condition("Initialized", "", "PodCompleted", OldTransition).Condition("Ready", "", "OtherReason", NewTransition)),
            new PodLifeTimeSettings { Conditions = [new PodConditionFilter(null, null, "PodCompleted", 300)] }, ["p1"]),
        new("no conditions at all", c => Plain(c, "p1"), StatesOnly("Running") with { Conditions = [new PodConditionFilter(null, null, null, 300)] }, []),
        new("a condition without lastTransitionTime does not match a time filter", c => Plain(c, "p1", p => p.Condition("Ready", "False")),
            StatesOnly("Running") with { Conditions = [new PodConditionFilter("Ready", null, null, 300)] }, []),

        // TestOwnerKindsFiltering
        new("ownerKinds exclude Job", c => Plain(Job(c, "p1", p => p.Phase(PodPhase.Failed)), "p2", p => p.Phase(PodPhase.Failed)),
            StatesOnly("Failed") with { OwnerKindsExclude = ["Job"] }, ["p2"]),
        new("ownerKinds include Job", c => Plain(Job(c, "p1", p => p.Phase(PodPhase.Failed)), "p2", p => p.Phase(PodPhase.Failed)),
            StatesOnly("Failed") with { OwnerKindsInclude = ["Job"] }, ["p1"]),

        // TestStatesWithEphemeralContainers: the snapshot has no ephemeral container statuses (see the warning test)
        new("ephemeral containers are not in snapshots", c => Plain(c, "p1"), StatesOnly("OOMKilled") with { IncludingEphemeralContainers = true }, []),

        // TestExitCodesFiltering
        new("matching exit code", c => Plain(c, "p1", p => p.Phase(PodPhase.Failed).ContainerState(exitCode: 1)), StatesOnly("Failed") with { ExitCodes = [1] }, ["p1"]),
        new("other exit code", c => Plain(c, "p1", p => p.Phase(PodPhase.Failed).ContainerState(exitCode: 1)), StatesOnly("Failed") with { ExitCodes = [2] }, []),
        new("an init container's exit code needs includingInitContainers",
            c => Plain(c, "p1", p => p.Phase(PodPhase.Failed).ContainerState(init: true, exitCode: 1)), StatesOnly("Failed") with { ExitCodes = [1] }, []),
        new("an init container's exit code with includingInitContainers",
            c => Plain(c, "p1", p => p.Phase(PodPhase.Failed).ContainerState(init: true, exitCode: 1)),
            StatesOnly("Failed") with { ExitCodes = [1], IncludingInitContainers = true }, ["p1"]),

        // TestCombinedFilters
        new("Succeeded + PodCompleted condition + transition time",
            c => Plain(Plain(Plain(c, "stale-completed", p => p.Phase(PodPhase.Succeeded)
                        .Condition("Initialized", "True", "PodCompleted", OldTransition).Condition("Ready", "False", "PodCompleted", OldTransition)),
                    "recent-completed", p => p.Phase(PodPhase.Succeeded).Condition("Initialized", "True", "PodCompleted", NewTransition)),
                "running-pod"),
            StatesOnly("Succeeded") with { Conditions = [new PodConditionFilter(null, "True", "PodCompleted", 300)] }, ["stale-completed"]),
        new("RemoveFailedPods compatibility: Failed + age + exclude Job",
            c => Job(Plain(c, "failed-rs", p => p.Phase(PodPhase.Failed).ContainerState(terminated: "Error")), "failed-job", p => p.Phase(PodPhase.Failed)),
            StatesOnly("Failed") with { MaxPodLifeTimeSeconds = 0, OwnerKindsExclude = ["Job"] }, ["failed-rs"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PodLifeTime_Should_EvictExpectedPods(Case c)
    {
        Plan plan = TestPlanner.Plan(c.Pods(Nodes()).Build(), new PodLifeTimeStrategy(c.Settings), c.Evictor, c.Planning, ExtensionPoint.Deschedule);

        Assert.Equal(c.Expected, plan.EvictedNames());
    }

    [Fact]
    public void PodLifeTime_Should_EvictTheOldestFirstAcrossNodes_And_SkipAPodWhoseNodeIsFull()
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(3, "n")
            .Pod("c", "n-1", configure: p => p.Owner("ReplicaSet", "rs").Created(new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero)))
            .Pod("b", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Created(new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero)))
            .Pod("a", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Created(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)))
            .Build();

        Plan all = TestPlanner.Plan(snapshot, new PodLifeTimeStrategy(Max600), point: ExtensionPoint.Deschedule);
        Plan perNode = TestPlanner.Plan(snapshot, new PodLifeTimeStrategy(Max600), settings: new PlanningSettings { MaxPodsToEvictPerNode = 1 }, point: ExtensionPoint.Deschedule);
        Plan total = TestPlanner.Plan(snapshot, new PodLifeTimeStrategy(Max600), settings: new PlanningSettings { MaxPodsToEvictTotal = 1 }, point: ExtensionPoint.Deschedule);

        Assert.Equal(["a", "b", "c"], all.EvictedNames());
        Assert.Equal(["a", "c"], perNode.EvictedNames()); // b's node is at its limit: skip b, carry on
        Assert.Equal([SkipReasons.LimitPerNode], perNode.SkipReasonsOf("b"));
        Assert.Equal(["a"], total.EvictedNames()); // the total limit stops the plugin
        Assert.Empty(total.SkipReasonsOf("c"));
    }

    [Fact]
    public void PodLifeTime_Should_StateTheAgeInTheReason()
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(2, "n")
            .Pod("web", "n-0", configure: p => p.Owner("ReplicaSet", "rs").Created(Now.AddHours(-26))).Build();

        Plan plan = TestPlanner.Plan(snapshot, new PodLifeTimeStrategy(new PodLifeTimeSettings { MaxPodLifeTimeSeconds = 86400 }), point: ExtensionPoint.Deschedule);

        Assert.Equal("age 26h > maxPodLifeTimeSeconds 86400", Assert.Single(plan.Evictions).Reason);
    }

    [Fact]
    public void PodLifeTime_Should_EvictSucceededPodsWithoutATarget()
    {
        ClusterSnapshot snapshot = new TestCluster().Node("n-0").Node("n-1", configure: n => n.Unschedulable())
            .Pod("done", "n-0", configure: p => p.Owner("Job", "j").Phase(PodPhase.Succeeded)).Build();

        Plan plan = TestPlanner.Plan(snapshot, new PodLifeTimeStrategy(StatesOnly("Succeeded")), point: ExtensionPoint.Deschedule);

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal(-1, eviction.TargetNode);
        Assert.Equal("phase Succeeded; not running (phase Succeeded): no target needed", eviction.Reason);
    }

    [Fact]
    public void PodLifeTime_Should_WarnThatEphemeralContainersAreNotInSnapshots()
    {
        ClusterSnapshot snapshot = Plain(Nodes(), "p1").Build();

        Plan plan = TestPlanner.Plan(snapshot, new PodLifeTimeStrategy(StatesOnly("OOMKilled") with { IncludingEphemeralContainers = true }), point: ExtensionPoint.Deschedule);

        PlanWarning warning = Assert.Single(plan.Warnings);
        Assert.Equal(PodLifeTimeStrategy.PluginName, warning.Plugin);
        Assert.Contains("includingEphemeralContainers has no effect", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>The descheduler's issue #979 order: every Deschedule plugin of every profile, then every Balance plugin.</summary>
    [Fact]
    public void Planner_Should_RunTheDeschedulePluginsOfAllProfilesBeforeAnyBalancePlugin()
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(3, "n", cpu: 8000)
            .ReplicaSetPods("dup", Enumerable.Repeat("n-0", 5))
            .Pod("crashy", "n-1", configure: p => p.Owner("ReplicaSet", "crashy").ContainerState(7))
            .Pod("ancient", "n-2", configure: p => p.Owner("ReplicaSet", "ancient").Created(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)))
            .Build();
        var a = new PlanningProfile("a", DefaultEvictorSettings.Default,
            [new RemovePodsHavingTooManyRestartsStrategy(new() { PodRestartThreshold = 5 })],
            [new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings())]);
        var b = new PlanningProfile("b", DefaultEvictorSettings.Default,
            [new PodLifeTimeStrategy(new PodLifeTimeSettings { MaxPodLifeTimeSeconds = 200 * 86400 })],
            [new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings { ExcludeOwnerKinds = ["ReplicaSet"] })]);

        Plan plan = Planner.Create(snapshot, new PlanningSettings { Profiles = [a, b] }, TestPlanner.Now);

        Assert.Equal(
            [("a", "RemovePodsHavingTooManyRestarts"), ("b", "PodLifeTime"), ("a", "RemoveDuplicates"), ("b", "RemoveDuplicates")],
            plan.PluginRuns.Select(r => (r.Profile, r.Plugin)));
        Assert.Equal(
            [ExtensionPoint.Deschedule, ExtensionPoint.Deschedule, ExtensionPoint.Balance, ExtensionPoint.Balance],
            plan.PluginRuns.Select(r => r.Point));
        Assert.Equal(["crashy", "ancient", "dup-2", "dup-3", "dup-4"], plan.EvictedNames());
        Assert.Equal(
            ["a/RemovePodsHavingTooManyRestarts", "b/PodLifeTime", "a/RemoveDuplicates", "a/RemoveDuplicates", "a/RemoveDuplicates"],
            plan.Evictions.Select(e => $"{e.Profile}/{e.Plugin}"));
    }

    [Theory]
    [InlineData("""{"states": ["Running"]}""")]
    [InlineData("""{"conditions": [{"reason": "PodCompleted"}]}""")]
    [InlineData("""{"maxPodLifeTimeSeconds": 600}""")]
    [InlineData("""{"exitCodes": [1]}""")]
    [InlineData("""{"conditions": [{"minTimeSinceLastTransitionSeconds": 300}]}""")]
    [InlineData("{}", "args: at least one filtering criterion must be specified (maxPodLifeTimeSeconds, states, conditions or exitCodes)")]
    [InlineData("""{"states": [], "exitCodes": []}""", "args: at least one filtering criterion must be specified (maxPodLifeTimeSeconds, states, conditions or exitCodes)")]
    [InlineData("""{"states": ["Running"], "namespaces": {"include": ["a"], "exclude": ["b"]}}""", "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"states": ["Running"], "ownerKinds": {"include": ["Job"], "exclude": ["ReplicaSet"]}}""", "args.ownerKinds: only one of include and exclude can be set")]
    [InlineData("""{"states": ["Running"], "ownerKinds": {"includes": ["Job"]}}""", "args.ownerKinds.includes: unknown field 'includes' (known: exclude, include); did you mean 'include'?")]
    [InlineData("""{"conditions": [{}]}""", "args.conditions[0]: at least one of type, status, reason or minTimeSinceLastTransitionSeconds must be set")]
    [InlineData("""{"conditions": [{"type": ""}]}""", "args.conditions[0]: at least one of type, status, reason or minTimeSinceLastTransitionSeconds must be set")]
    [InlineData("""{"conditions": [{"typ": "Ready"}]}""", "args.conditions[0].typ: unknown field 'typ' (known: minTimeSinceLastTransitionSeconds, reason, status, type); did you mean 'type'?")]
    [InlineData("""{"conditions": {"type": "Ready"}}""", "args.conditions: must be a list of {type, status, reason, minTimeSinceLastTransitionSeconds}")]
    [InlineData("""{"maxPodLifeTimeSeconds": -1}""", "args.maxPodLifeTimeSeconds: -1 is not in [0, 4294967295]")]
    [InlineData("""{"exitCodes": ["1"]}""", "args.exitCodes[0]: '1' is not an integer")]
    [InlineData("""{"conditions": [{"minTimeSinceLastTransitionSeconds": -5}]}""", "args.conditions[0].minTimeSinceLastTransitionSeconds: -5 is not in [0, 4294967295]")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, params string[] expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal(expected, problems);
    }

    [Fact]
    public void Bind_Should_RejectAStateOutsideTheDeschedulersList()
    {
        (_, string[] problems) = Bind("""{"states": ["Running", "NotAState"]}""");

        Assert.Equal([$"args.states[1]: 'NotAState' is not one of {string.Join(", ", PodLifeTimeSettings.AllowedStates)}"], problems);
    }

    [Fact]
    public void Bind_Should_ReadEveryArgument()
    {
        (PodLifeTimeSettings settings, string[] problems) = Bind("""
            {"maxPodLifeTimeSeconds": 86400, "states": ["Succeeded", "OOMKilled"],
             "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted", "minTimeSinceLastTransitionSeconds": 14400}],
             "exitCodes": [1, 137], "ownerKinds": {"exclude": ["Job"]}, "includingInitContainers": true, "includingEphemeralContainers": true,
             "namespaces": {"include": ["batch"]}, "labelSelector": {"matchLabels": {"tier": "worker"}}}
            """);

        Assert.Empty(problems);
        Assert.Equal(86400u, settings.MaxPodLifeTimeSeconds);
        Assert.Equal(["Succeeded", "OOMKilled"], settings.States);
        Assert.Equal([new PodConditionFilter("Ready", "False", "PodCompleted", 14400)], settings.Conditions);
        Assert.Equal([1, 137], settings.ExitCodes);
        Assert.Empty(settings.OwnerKindsInclude);
        Assert.Equal(["Job"], settings.OwnerKindsExclude);
        Assert.True(settings.IncludingInitContainers);
        Assert.True(settings.IncludingEphemeralContainers);
        Assert.Equal(["batch"], settings.Namespaces.Include);
        Assert.Equal("tier=worker", settings.LabelSelector!.ToString());
    }

    private static (PodLifeTimeSettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        PodLifeTimeSettings settings = PodLifeTimeSettings.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }
}
