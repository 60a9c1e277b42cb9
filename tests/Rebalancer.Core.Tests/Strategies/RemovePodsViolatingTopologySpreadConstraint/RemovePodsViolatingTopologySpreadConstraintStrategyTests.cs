using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.RemovePodsViolatingTopologySpreadConstraint;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.RemovePodsViolatingTopologySpreadConstraint;

public sealed class RemovePodsViolatingTopologySpreadConstraintStrategyTests
{
    public sealed record Case(
        string Name,
        Func<TestCluster> Cluster,
        int Expected,
        string[]? ExpectedPods = null,
        RemovePodsViolatingTopologySpreadConstraintSettings? Settings = null,
        PlanningSettings? Planning = null)
    {
        public override string ToString() => Name;
    }

    private const UnsatisfiableConstraintAction Soft = UnsatisfiableConstraintAction.ScheduleAnyway;

    private static readonly RemovePodsViolatingTopologySpreadConstraintSettings BothKinds =
        new() { Constraints = [UnsatisfiableConstraintAction.DoNotSchedule, Soft] };

    /// <summary>
    /// The descheduler's test fixture (topologyspreadconstraint_test.go): nodes of 2000m / 3000 bytes / 10 pods, pods of
    /// 100m named pod-0, pod-1… in creation order, labelled foo=bar and owned by a ReplicaSet.
    /// </summary>
    private sealed class Fixture
    {
        private int _next;

        public TestCluster Cluster { get; } = new();

        public Fixture Node(string name, string zone, long cpu = 2000, int pods = 10, Action<NodeBuilder>? configure = null) =>
            NodeWith(name, cpu, pods, n =>
            {
                n.Label("zone", zone);
                configure?.Invoke(n);
            });

        public Fixture NodeWith(string name, long cpu, int pods, Action<NodeBuilder> configure)
        {
            Cluster.Node(name, cpu, 3000, pods, configure);
            return this;
        }

        public Fixture Pods(int count, string node, Action<PodBuilder>? configure = null, bool owned = true)
        {
            for (int i = 0; i < count; i++)
            {
                Cluster.Pod($"pod-{_next++}", node, 100, 0, p =>
                {
                    p.Label("foo", "bar");
                    if (owned)
                    {
                        p.Owner("ReplicaSet", "rs");
                    }

                    configure?.Invoke(p);
                });
            }

            return this;
        }

        public ClusterSnapshot Build() => Cluster.Build();

        public TestCluster ToTestCluster() => Cluster;

        public static implicit operator TestCluster(Fixture fixture) => fixture.Cluster;
    }

    /// <summary>getDefaultTopologyConstraints: zone, DoNotSchedule, foo=bar.</summary>
    private static Action<PodBuilder> Spread(int maxSkew = 1, string key = "zone", UnsatisfiableConstraintAction when = UnsatisfiableConstraintAction.DoNotSchedule,
        int? minDomains = null, NodeInclusionPolicy taints = NodeInclusionPolicy.Ignore) =>
        p => p.TopologySpread(key, maxSkew, "foo", "bar", when, minDomains, nodeTaintsPolicy: taints);

    private static Fixture TwoZones(long cpuA = 2000, Action<NodeBuilder>? a = null, Action<NodeBuilder>? b = null) =>
        new Fixture().Node("n1", "zoneA", cpuA, configure: a).Node("n2", "zoneB", configure: b);

    private static Fixture ThreeZones() => new Fixture().Node("n1", "zoneA").Node("n2", "zoneB").Node("n3", "zoneC");

    private static Fixture LinuxAndWindows(int windowsNodes)
    {
        var f = new Fixture();
        string[] names = ["linNodeA", "linNodeB", "linNodeC", "winNodeA", "winNodeB", "winNodeC", "winNodeD"];
        for (int i = 0; i < 3 + windowsNodes; i++)
        {
            string value = names[i];
            f.NodeWith($"n{i + 1}", 2000, 10, n => n.Label("node", value).Label("os", value.StartsWith("lin", StringComparison.Ordinal) ? "linux" : "windows"));
        }

        return f;
    }

    private static Action<PodBuilder> Windows(string key = "os", string value = "windows") => p => Spread(key: "node")(p.NodeSelector(key, value));

    private static void Taint(NodeBuilder n) => n.Taint("taint-test", "test");

    public static TheoryData<Case> DeschedulerCases => new()
    {
        // TestTopologySpreadConstraint, re-expressed.
        new("2 domains [2,1], maxSkew 1: balanced", () => TwoZones().Pods(1, "n1", Spread()).Pods(1, "n1").Pods(1, "n2"), 0),
        new("2 domains [3,1], maxSkew 1: move 1 to get [2,2]", () => TwoZones().Pods(1, "n1", Spread()).Pods(2, "n1").Pods(1, "n2"), 1, ["pod-2"]),
        new("[3,1], soft constraint acted on when ScheduleAnyway is listed", () => TwoZones().Pods(1, "n1", Spread(when: Soft)).Pods(2, "n1").Pods(1, "n2"), 1, Settings: BothKinds),
        new("[3,1], soft constraint ignored by default (DoNotSchedule only)", () => TwoZones().Pods(1, "n1", Spread(when: Soft)).Pods(2, "n1").Pods(1, "n2"), 0),
        new("[3,1], no pod evictable (bare pods)", () => TwoZones().Pods(1, "n1", Spread(), owned: false).Pods(2, "n1", owned: false).Pods(1, "n2", owned: false), 0),
        new("[3,1], namespaces exclude kube-system", () => TwoZones().Pods(1, "n1", Spread()).Pods(2, "n1").Pods(1, "n2"), 1,
            Settings: new() { Namespaces = new NamespacesSpec([], ["kube-system"]) }),
        new("[5,2]: move 1 to get [4,3]", () => TwoZones().Pods(1, "n1", Spread()).Pods(4, "n1").Pods(2, "n2"), 1),
        new("[4,0]: move 2 to get [2,2]", () => TwoZones().Pods(1, "n1", Spread()).Pods(3, "n1"), 2),
        new("[4,0]: only 1 moves, pods with nodeSelector or node affinity stay",
            () => TwoZones()
                .Pods(2, "n1", p => Spread()(p.NodeSelector("zone", "zoneA")))
                .Pods(1, "n1", p => Spread()(p.RequireNodeLabelIn("foo", "bar")))
                .Pods(1, "n1", Spread()),
            1, ["pod-3"]),
        new("6 domains [0,0,0,3,3,2] by node: linux nodes are not eligible for windows pods, so balanced",
            () => LinuxAndWindows(3).Pods(3, "n4", Windows()).Pods(3, "n5", Windows()).Pods(2, "n6", Windows()), 0),
        new("7 domains [0,0,0,3,3,2,0]: 2 move to the new windows node",
            () => LinuxAndWindows(4).Pods(3, "n4", Windows()).Pods(3, "n5", Windows()).Pods(2, "n6", Windows()), 2),
        new("6 domains [0,0,0,4,3,1]: 1 moves from winNodeA",
            () => LinuxAndWindows(3).Pods(4, "n4", Windows()).Pods(3, "n5", Windows()).Pods(1, "n6", Windows()), 1),
        new("6 domains [0,0,0,4,3,1]: pods pinned to winNodeA cannot move",
            () => LinuxAndWindows(3).Pods(4, "n4", Windows("node", "winNodeA")).Pods(3, "n5", Windows()).Pods(1, "n6", Windows()), 0),
        new("[4,0]: nodeSelector matching both nodes, 2 move",
            () => new Fixture().Node("n1", "zoneA", configure: n => n.Label("region", "boston")).Node("n2", "zoneB", configure: n => n.Label("region", "boston"))
                .Pods(1, "n1", p => Spread()(p.NodeSelector("region", "boston"))).Pods(3, "n1", p => p.NodeSelector("region", "boston")),
            2),
        new("3 domains [0,1,100]: move 66 to get [34,33,34] (nodes with room for them)",
            () => new Fixture().Node("n1", "zoneA", 64_000, 110).Node("n2", "zoneB", 64_000, 110).Node("n3", "zoneC", 64_000, 110)
                .Pods(1, "n2", Spread()).Pods(100, "n3"),
            66),
        new("4 domains [0,1,3,5]: move 3 to get [2,2,3,2]",
            () => ThreeZones().Node("n4", "zoneD").Pods(1, "n2", Spread()).Pods(3, "n3").Pods(5, "n4"), 3),
        new("[2,6], maxSkew 2: move 1 to get [3,5]", () => TwoZones().Pods(1, "n1", Spread(2)).Pods(1, "n1").Pods(6, "n2"), 1),
        new("[2,6], maxSkew 2: zoneA is tainted", () => TwoZones(a: n => n.Taint("hardware", "gpu")).Pods(1, "n1", Spread(2)).Pods(1, "n1").Pods(6, "n2"), 0),
        new("[2,6], maxSkew 2: zoneA lacks cpu", () => TwoZones(cpuA: 200).Pods(1, "n1", Spread(2)).Pods(1, "n1").Pods(6, "n2"), 0),
        new("issue 564: zone (soft) and hostname (hard) constraints, 6 nodes, 4 pods: 1 moves",
            () => IssueFiveSixtyFour(), 1, Settings: BothKinds),
        new("3 domains [8,7,0]: move 5 to get [5,5,5]", () => ThreeZones().Pods(8, "n1", Spread()).Pods(7, "n2", Spread()), 5),
        new("3 domains [5,5,5]: balanced", () => ThreeZones().Pods(5, "n1", Spread()).Pods(5, "n2", Spread()).Pods(5, "n3", Spread()), 0),
        new("[2,0]: the pod tolerates the other zone's taint",
            () => TwoZones(b: Taint).Pods(1, "n1", p => Spread()(p.Tolerate("taint-test", "test", TaintEffect.NoSchedule))).Pods(1, "n1", p => p.NodeSelector("zone", "zoneA")),
            1, ["pod-0"]),
        new("[2,0]: the pod does not tolerate the other zone's taint",
            () => TwoZones(b: Taint).Pods(1, "n1", Spread()).Pods(1, "n1", p => p.NodeSelector("zone", "zoneA")), 0),
        new("[2,0]: a PreferNoSchedule taint does not stop the move",
            () => TwoZones(b: n => n.Taint("taint-test", "test", TaintEffect.PreferNoSchedule)).Pods(1, "n1", Spread()).Pods(1, "n1", p => p.NodeSelector("zone", "zoneA")),
            1, ["pod-0"]),
        new("[2,0]: labelSelector foo In (baz) selects no pod", () => TwoZones().Pods(1, "n1", Spread()).Pods(1, "n1"), 0, Settings: Selecting("foo", SelectorOperator.In, "baz")),
        new("[2,0]: labelSelector foo In (bar)", () => TwoZones().Pods(1, "n1", Spread()).Pods(1, "n1"), 1, ["pod-1"], Selecting("foo", SelectorOperator.In, "bar")),
        new("[2,0]: labelSelector foo NotIn (baz)", () => TwoZones().Pods(1, "n1", Spread()).Pods(1, "n1"), 1, ["pod-1"], Selecting("foo", SelectorOperator.NotIn, "baz")),
        new("[2,0]: matchLabelKeys, one ReplicaSet revision",
            () => TwoZones().Pods(2, "n1", p => p.Label("pod-template-hash", "foo").TopologySpread("zone", 1, "foo", "bar", matchLabelKeys: "pod-template-hash")),
            1, ["pod-1"], Selecting("foo", SelectorOperator.NotIn, "baz")),
        new("[2,0]: matchLabelKeys, two revisions are spread separately",
            () => TwoZones()
                .Pods(1, "n1", p => p.Label("pod-template-hash", "foo").TopologySpread("zone", 1, "foo", "bar", matchLabelKeys: "pod-template-hash"))
                .Pods(1, "n1", p => p.Label("pod-template-hash", "bar").TopologySpread("zone", 1, "foo", "bar", matchLabelKeys: "pod-template-hash")),
            0, Settings: Selecting("foo", SelectorOperator.NotIn, "baz")),
        new("[4,2] with 2 terminating pods: balanced",
            () => TwoZones().Pods(2, "n1", Spread()).Pods(2, "n1", p => Spread()(p.Terminating())).Pods(2, "n2", Spread()), 0,
            Settings: Selecting("foo", SelectorOperator.In, "bar")),
        new("3 domains [2,3,4]: zoneA lacks cpu",
            () => new Fixture().Node("n1", "zoneA", 250, 9).Node("n2", "zoneB", 1000, 9).Node("n3", "zoneC", 1000, 9)
                .Pods(2, "n1", Spread()).Pods(3, "n2", Spread()).Pods(4, "n3", Spread()),
            0),
        new("3 domains [2,3,4], topologyBalanceNodeFit false: still no room in zoneA (the descheduler evicts 1 to force a scale-up)",
            () => new Fixture().Node("n1", "zoneA", 250, 9).Node("n2", "zoneB", 1000, 9).Node("n3", "zoneC", 1000, 9)
                .Pods(2, "n1", Spread()).Pods(3, "n2", Spread()).Pods(4, "n3", Spread()),
            0, Settings: new() { TopologyBalanceNodeFit = false }),
        new("3 domains [[1,0],[1,1],[2,1]]: zoneA lacks cpu",
            () => new Fixture().Node("A1", "zoneA", 150, 9).Node("B1", "zoneB", 1000, 9).Node("C1", "zoneC", 1000, 9)
                .Node("A2", "zoneA", 50, 9).Node("B2", "zoneB", 1000, 9).Node("C2", "zoneC", 1000, 9)
                .Pods(1, "A1", Spread()).Pods(1, "B1", Spread()).Pods(1, "B2", Spread()).Pods(2, "C1", Spread()).Pods(1, "C2", Spread()),
            0),
        new("2 domains [[1,4],[2,1]]: the pod comes from the crowded node",
            () => new Fixture().Node("A1", "zoneA", 1000, 9).Node("A2", "zoneA", 1000, 9).Node("B1", "zoneB", 1000, 9).Node("B2", "zoneB", 1000, 9)
                .Pods(1, "A1", Spread()).Pods(4, "A2", Spread()).Pods(2, "B1", Spread()).Pods(1, "B2", Spread()),
            1, ["pod-4"]),
        new("issue 839: tainted control-plane and infra nodes are not domains of pods that require app_service",
            () => IssueEightThirtyNine(), 0),
    };

    public static TheoryData<Case> RebalancerCases => new()
    {
        new("protected pods count, as for the scheduler: [3,0] with 2 local-storage pods moves the evictable one",
            () => TwoZones().Pods(2, "n1", p => p.EmptyDir()).Pods(1, "n1", Spread()), 1, ["pod-2"]),
        new("lowest priority first; a pod with a nodeSelector stays even at the lowest priority",
            () => TwoZones()
                .Pods(1, "n1", p => p.NodeSelector("zone", "zoneA").Priority(0))
                .Pods(1, "n1", p => Spread()(p.Priority(1000))).Pods(1, "n1", p => p.Priority(10)).Pods(1, "n1", p => p.Priority(100))
                .Pods(1, "n2"),
            1, ["pod-2"]),
        new("minDomains 3 with 2 zones: global minimum 0, and zoneB already holds maxSkew pods",
            () => TwoZones().Pods(1, "n1", Spread(minDomains: 3)).Pods(2, "n1").Pods(1, "n2"), 0),
        new("minDomains 3 with 2 zones: [4,0] moves only 1, the empty zone may take up to maxSkew",
            () => TwoZones().Pods(1, "n1", Spread(minDomains: 3)).Pods(3, "n1"), 1),
        new("minDomains 3 with 2 zones: [2,2] violates for the scheduler (2 - 0 > 1), but no move improves it",
            () => TwoZones().Pods(1, "n1", Spread(minDomains: 3)).Pods(1, "n1").Pods(2, "n2"), 0),
        new("minDomains 2, met: [3,1] moves 1", () => TwoZones().Pods(1, "n1", Spread(minDomains: 2)).Pods(2, "n1").Pods(1, "n2"), 1),
        new("nodeTaintsPolicy Ignore (default): the untolerated zoneC counts as an empty domain and takes nothing",
            () => ThreeZones(n3: n => n.Taint("dedicated", "x")).Pods(1, "n1", Spread()).Pods(3, "n1").Pods(2, "n2"), 0),
        new("nodeTaintsPolicy Honor: zoneC is not a domain, [4,2] moves 1",
            () => ThreeZones(n3: n => n.Taint("dedicated", "x")).Pods(1, "n1", Spread(taints: NodeInclusionPolicy.Honor)).Pods(3, "n1").Pods(2, "n2"), 1),
        new("topologyBalanceNodeFit true: [2,4,6] with zoneA full, the only below-average zone",
            () => new Fixture().Node("n1", "zoneA", 200).Node("n2", "zoneB").Node("n3", "zoneC").Pods(2, "n1").Pods(4, "n2").Pods(6, "n3", Spread()), 0),
        new("topologyBalanceNodeFit false: the same; zoneB is two pods smaller than zoneC, but the scheduler's own DoNotSchedule "
            + "filter refuses it (4 + 1 − global minimum 2 > maxSkew 1), so no pod would land there and none is evicted",
            () => new Fixture().Node("n1", "zoneA", 200).Node("n2", "zoneB").Node("n3", "zoneC").Pods(2, "n1").Pods(4, "n2").Pods(6, "n3", Spread()), 0,
            Settings: new() { TopologyBalanceNodeFit = false }),
        new("maxNoOfPodsToEvictTotal 1", () => TwoZones().Pods(1, "n1", Spread()).Pods(3, "n1"), 1, Planning: new PlanningSettings { MaxPodsToEvictTotal = 1 }),
        new("maxNoOfPodsToEvictPerNode 1", () => TwoZones().Pods(1, "n1", Spread()).Pods(3, "n1"), 1, Planning: new PlanningSettings { MaxPodsToEvictPerNode = 1 }),
        new("namespaces exclude the pods' namespace", () => TwoZones().Pods(1, "n1", Spread()).Pods(3, "n1"), 0,
            Settings: new() { Namespaces = new NamespacesSpec([], ["default"]) }),
        new("pods of another namespace do not count", () => TwoZones().Pods(1, "n1", Spread()).Pods(3, "n1").Pods(4, "n2", p => p.Namespace("other")), 2),
    };

    [Theory]
    [MemberData(nameof(DeschedulerCases))]
    [MemberData(nameof(RebalancerCases))]
    public void RemovePodsViolatingTopologySpreadConstraint_Should_EvictExpectedPods(Case c)
    {
        Plan plan = TestPlanner.Plan(c.Cluster().Build(),
            new RemovePodsViolatingTopologySpreadConstraintStrategy(c.Settings ?? new RemovePodsViolatingTopologySpreadConstraintSettings()),
            settings: c.Planning);

        Assert.Equal(c.Expected, plan.Evictions.Count);
        if (c.ExpectedPods is not null)
        {
            Assert.Equal(c.ExpectedPods, plan.EvictedNames());
        }
    }

    [Fact]
    public void TwoConstraints_Should_NotOverEvict_Because_TheSecondSeesTheProjection()
    {
        // zoneA = n1 (2 pods) + n2 (2 pods), zoneB = n3 + n4 (empty); every pod spreads by zone and by hostname.
        // Evaluated one by one on the pre-cycle state (the descheduler), zone picks the last 2 pods of zoneA and hostname
        // picks the last pod of n1 and of n2: their union is 3 evictions. Here the zone moves take one pod from each
        // crowded node and land on n3 and n4, so hostname then sees [1,1,1,1] and evicts nothing: 2 in all.
        ClusterSnapshot snapshot = TwoByTwo().Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingTopologySpreadConstraintStrategy(new()));

        Assert.Equal(["pod-3", "pod-1"], plan.EvictedNames());
        Assert.Equal(["n3", "n4"], plan.Evictions.Select(e => snapshot.Nodes.Name[e.TargetNode]));
        Assert.Empty(plan.Skipped);
    }

    [Fact]
    public void ALaterPlugin_Should_SeeTheBalancedProjection_And_EvictNothing()
    {
        ClusterSnapshot snapshot = TwoByTwo().Build();
        var first = new RemovePodsViolatingTopologySpreadConstraintStrategy(new());
        var second = new RemovePodsViolatingTopologySpreadConstraintStrategy(new());
        var profile = new PlanningProfile("test", DefaultEvictorSettings.Default, [], [first, second]);

        Plan plan = Planner.Create(snapshot, new PlanningSettings { Profiles = [profile] }, TestPlanner.Now);

        Assert.Equal(2, plan.Evictions.Count);
        Assert.Equal([2, 0], plan.PluginRuns.Select(r => r.Evictions));
    }

    [Fact]
    public void Eviction_Should_StateTheRuleAndTheNumbers_And_MoveToTheSmallDomain()
    {
        ClusterSnapshot snapshot = TwoZones().Node("n3", "zoneA").Pods(1, "n1", Spread()).Pods(2, "n1").Pods(1, "n2").Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingTopologySpreadConstraintStrategy(new()));

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal("zone zoneA has 3 pods of foo=bar, zoneB has 1: skew 2 > maxSkew 1", eviction.Reason);
        Assert.Equal("n2", snapshot.Nodes.Name[eviction.TargetNode]); // n3 is emptier but in zoneA
    }

    [Fact]
    public void NoRoomBelowTheAverage_Should_BeExplained()
    {
        ClusterSnapshot snapshot = TwoZones().Pods(1, "n1", Spread(minDomains: 3)).Pods(2, "n1").Pods(1, "n2").Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingTopologySpreadConstraintStrategy(new()));

        SkippedPod skip = Assert.Single(plan.Skipped);
        Assert.Equal(SkipReasons.NodeFit, skip.Reason);
        Assert.Equal("no eligible node in a zone domain below the average of 2 pods and fewer than maxSkew 1 pods (2 domain(s) < minDomains 3)", skip.Detail);
        Assert.Contains(plan.Notes, n => n.Message.Contains("minDomains 3", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("""{"constraints": ["DoNotSchedule", "Sometimes"]}""", "args.constraints[1]: 'Sometimes' is not one of DoNotSchedule, ScheduleAnyway")]
    [InlineData("""{"constraints": []}""", "args.constraints: must list at least one of DoNotSchedule, ScheduleAnyway (leave it out for the default [DoNotSchedule])")]
    [InlineData("""{"topologyBalanceNodeFit": "false"}""", "args.topologyBalanceNodeFit: 'false' is not a boolean (true or false)")]
    [InlineData("""{"includeSoftConstraints": true}""", "args.includeSoftConstraints: is the descheduler/v1alpha1 parameter; use constraints: [DoNotSchedule, ScheduleAnyway]")]
    [InlineData("""{"namespaces": {"include": ["a"], "exclude": ["b"]}}""", "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"labelSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}""", "args.labelSelector.matchExpressions[0].values: must be non-empty for operator In")]
    [InlineData("""{"nodeFit": true}""", "args.nodeFit: unknown field 'nodeFit' (known: constraints, includeSoftConstraints, labelSelector, namespaces, topologyBalanceNodeFit)")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, params string[] expected)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        RemovePodsViolatingTopologySpreadConstraintSettings.Bind(reader);
        reader.RejectUnknown();

        Assert.Equal(expected, problems.All.Select(p => p.ToString()));
    }

    [Fact]
    public void Bind_Should_ReadEveryArg_And_DefaultToDoNotScheduleWithNodeFit()
    {
        var problems = new ConfigProblems();
        RemovePodsViolatingTopologySpreadConstraintSettings defaults = RemovePodsViolatingTopologySpreadConstraintSettings.Bind(new ArgsReader(null, problems, "args"));
        RemovePodsViolatingTopologySpreadConstraintSettings read = RemovePodsViolatingTopologySpreadConstraintSettings.Bind(new ArgsReader(PolicyJson.Parse("""
            {"namespaces": {"exclude": ["kube-system"]}, "labelSelector": {"matchLabels": {"app": "web"}},
             "constraints": ["ScheduleAnyway", "DoNotSchedule", "ScheduleAnyway"], "topologyBalanceNodeFit": false}
            """, "args"), problems, "args"));

        Assert.Empty(problems.All);
        Assert.Equal([UnsatisfiableConstraintAction.DoNotSchedule], defaults.Constraints);
        Assert.True(defaults.TopologyBalanceNodeFit);
        Assert.Equal([UnsatisfiableConstraintAction.ScheduleAnyway, UnsatisfiableConstraintAction.DoNotSchedule], read.Constraints);
        Assert.False(read.TopologyBalanceNodeFit);
        Assert.Equal(["kube-system"], read.Namespaces.Exclude);
        Assert.Equal("app=web", read.LabelSelector!.ToString());
    }

    private static RemovePodsViolatingTopologySpreadConstraintSettings Selecting(string key, SelectorOperator op, string value) =>
        new() { LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec(key, op, [value])]) };

    private static Fixture ThreeZones(Action<NodeBuilder>? n3) => new Fixture().Node("n1", "zoneA").Node("n2", "zoneB").Node("n3", "zoneC", configure: n3);

    private static Fixture TwoByTwo()
    {
        static void Both(PodBuilder p) => p.TopologySpread("zone", 1, "foo", "bar").TopologySpread("kubernetes.io/hostname", 1, "foo", "bar");
        return new Fixture().Node("n1", "zoneA").Node("n2", "zoneA").Node("n3", "zoneB").Node("n4", "zoneB")
            .Pods(2, "n1", Both).Pods(2, "n2", Both);
    }

    private static Fixture IssueFiveSixtyFour()
    {
        static void Whoami(PodBuilder p) => p.Label("app", "whoami")
            .TopologySpread("topology.kubernetes.io/zone", 1, "app", "whoami", Soft)
            .TopologySpread("kubernetes.io/hostname", 1, "app", "whoami");
        var f = new Fixture();
        for (int i = 1; i <= 6; i++)
        {
            string zone = i <= 3 ? "zoneA" : "zoneB";
            f.NodeWith($"n{i}", 2000, 10, n => n.Label("topology.kubernetes.io/zone", zone));
        }

        return f.Pods(1, "n1", Whoami).Pods(1, "n2", Whoami).Pods(1, "n3", Whoami).Pods(1, "n4", Whoami);
    }

    private static Fixture IssueEightThirtyNine()
    {
        static void Service(PodBuilder p) => p.Label("app.kubernetes.io/name", "service").RequireNodeLabelIn("app_service", "true")
            .TopologySpread("kubernetes.io/hostname", 1, "app.kubernetes.io/name", "service");
        return new Fixture()
            .Node("controlplane1", "zoneA", configure: n => n.Taint("node-role.kubernetes.io/controlplane", "true").Taint("node-role.kubernetes.io/etcd", "true"))
            .Node("infraservices1", "zoneA", configure: n => n.Label("infra_service", "true").Taint("infra_service"))
            .Node("app1", "zoneA", configure: n => n.Label("app_service", "true"))
            .Node("app2", "zoneB", configure: n => n.Label("app_service", "true"))
            .Pods(2, "app1", Service).Pods(2, "app2", Service);
    }
}
