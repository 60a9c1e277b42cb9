using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.RemovePodsViolatingNodeAffinity;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.RemovePodsViolatingNodeAffinity;

public sealed class RemovePodsViolatingNodeAffinityStrategyTests
{
    private const string Required = RemovePodsViolatingNodeAffinitySettings.Required;
    private const string Preferred = RemovePodsViolatingNodeAffinitySettings.Preferred;
    private const string WithLabels = "nodeWithLabels";
    private const string WithoutLabels = "nodeWithoutLabels";
    private const string Unschedulable = "unschedulableNodeWithLabels";
    private const string LabelKey = "kubernetes.io/desiredNode";

    public sealed record Case(
        string Name,
        Func<TestCluster> Cluster,
        string[] Expected,
        string[] Types,
        PlanningSettings? Planning = null,
        RemovePodsViolatingNodeAffinitySettings? Settings = null)
    {
        public override string ToString() => Name;
    }

    private static void Desired(NodeBuilder n) => n.Label(LabelKey, "yes");

    private static TestCluster Node(TestCluster cluster, string name) => name switch
    {
        WithLabels => cluster.Node(WithLabels, 2000, 3 * TestCluster.Gi, 10, Desired),
        WithoutLabels => cluster.Node(WithoutLabels, 2000, 3 * TestCluster.Gi, 10),
        Unschedulable => cluster.Node(Unschedulable, 2000, 3 * TestCluster.Gi, 10, n => { Desired(n); n.Unschedulable(); }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>node_affinity_test.go's addPodsToNode: one pod with the affinity, two plain ones, all owned.</summary>
    private static TestCluster Cluster(string podsOn, string affinity, bool terminating = false, params string[] nodes)
    {
        var cluster = new TestCluster();
        foreach (string node in nodes)
        {
            Node(cluster, node);
        }

        if (!nodes.Contains(podsOn))
        {
            cluster.Node(podsOn, configure: n => n.NotReady()); // the pods' node is not among the nodes the plugin is given
        }

        cluster.Pod("podWithNodeAffinity", podsOn, 100, 0, p =>
        {
            p.Owner("ReplicaSet", "rs");
            _ = affinity == Required ? p.RequireNodeLabelIn(LabelKey, "yes") : p.PreferNodeLabelIn(10, LabelKey, "yes");
            if (terminating)
            {
                p.Terminating();
            }
        });
        foreach (string name in new[] { "pod1", "pod2" })
        {
            cluster.Pod(name, podsOn, 100, 0, p =>
            {
                p.Owner("ReplicaSet", "rs");
                if (terminating)
                {
                    p.Terminating();
                }
            });
        }

        return cluster;
    }

    private static readonly string[] Evicted = ["podWithNodeAffinity"];

    // TestRemovePodsViolatingNodeAffinity, re-expressed for both affinity types.
    public static TheoryData<Case> Cases()
    {
        var data = new TheoryData<Case>();
        foreach (string type in new[] { Required, Preferred })
        {
            string t = type == Required ? "[required]" : "[preferred]";
            data.Add(new($"correctly scheduled: no eviction {t}", () => Cluster(WithLabels, type, false, WithLabels, WithoutLabels), [], [type]));
            data.Add(new($"wrong node, another schedulable node matches: evicted {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), Evicted, [type]));
            data.Add(new($"maxNoOfPodsToEvictPerNode 1: evicted {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), Evicted, [type],
                new PlanningSettings { MaxPodsToEvictPerNode = 1 }));
            data.Add(new($"maxNoOfPodsToEvictPerNode 0: not evicted {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), [], [type],
                new PlanningSettings { MaxPodsToEvictPerNode = 0 }));
            data.Add(new($"terminating: not evicted {t}", () => Cluster(WithoutLabels, type, true, WithoutLabels, WithLabels), [], [type],
                new PlanningSettings { MaxPodsToEvictPerNode = 1 }));
            data.Add(new($"maxNoOfPodsToEvictPerNamespace 1: evicted {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), Evicted, [type],
                new PlanningSettings { MaxPodsToEvictPerNamespace = 1 }));
            data.Add(new($"maxNoOfPodsToEvictPerNamespace 0: not evicted {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), [], [type],
                new PlanningSettings { MaxPodsToEvictPerNamespace = 0 }));
            data.Add(new($"maxNoOfPodsToEvictTotal 0: not evicted {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), [], [type],
                new PlanningSettings { MaxPodsToEvictPerNamespace = 1, MaxPodsToEvictTotal = 0 }));
            data.Add(new($"the only matching node is cordoned: not evicted {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, Unschedulable), [], [type]));
            data.Add(new($"the pods' node is not among the plugin's nodes: not evicted {t}",
                () => Cluster(WithoutLabels, type, false, WithLabels, Unschedulable), [], [type], new PlanningSettings { MaxPodsToEvictPerNode = 1 }));
            data.Add(new($"namespace excluded {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), [], [type],
                Settings: new RemovePodsViolatingNodeAffinitySettings { NodeAffinityType = [type], Namespaces = new NamespacesSpec([], ["default"]) }));
            data.Add(new($"labelSelector does not select the pod {t}", () => Cluster(WithoutLabels, type, false, WithoutLabels, WithLabels), [], [type],
                Settings: new RemovePodsViolatingNodeAffinitySettings
                {
                    NodeAffinityType = [type],
                    LabelSelector = new LabelSelectorSpec([new SelectorRequirementSpec("app", SelectorOperator.Exists, [])]),
                }));
        }

        data.Add(new("the other affinity type is not checked", () => Cluster(WithoutLabels, Preferred, false, WithoutLabels, WithLabels), [], [Required]));
        data.Add(new("both types, in order", () => Cluster(WithoutLabels, Preferred, false, WithoutLabels, WithLabels), Evicted, [Required, Preferred]));
        data.Add(new("a pod with only a nodeSelector is not considered (it has no required node affinity)",
            () => new TestCluster().Node("a").Node("b", configure: n => n.Label("disk", "ssd"))
                .Pod("p", "a", configure: p => p.Owner("ReplicaSet", "rs").NodeSelector("disk", "ssd")), [], [Required]));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RemovePodsViolatingNodeAffinity_Should_EvictExpectedPods(Case c)
    {
        var settings = c.Settings ?? new RemovePodsViolatingNodeAffinitySettings { NodeAffinityType = c.Types };

        Plan plan = TestPlanner.Plan(c.Cluster().Build(), new RemovePodsViolatingNodeAffinityStrategy(settings), settings: c.Planning, point: ExtensionPoint.Deschedule);

        Assert.Equal(c.Expected, plan.EvictedNames());
    }

    [Fact]
    public void Required_Should_NameTheTermsTheNodeNoLongerMatches()
    {
        ClusterSnapshot snapshot = new TestCluster().Node("n1", configure: n => n.Label("zone", "a")).Node("n3", configure: n => n.Label("zone", "b"))
            .Pod("web", "n3", configure: p => p.Owner("ReplicaSet", "rs").RequireNodeLabelIn("zone", "a")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingNodeAffinityStrategy(new() { NodeAffinityType = [Required] }), point: ExtensionPoint.Deschedule);

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal("node n3 no longer matches required node affinity (zone in (a))", eviction.Reason);
        Assert.Equal("n1", snapshot.Nodes.Name[eviction.TargetNode]);
    }

    [Fact]
    public void Required_Should_RecordANodeFitSkip_When_NoNodeMatches()
    {
        ClusterSnapshot snapshot = Cluster(WithoutLabels, Required, false, WithoutLabels, Unschedulable).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingNodeAffinityStrategy(new() { NodeAffinityType = [Required] }), point: ExtensionPoint.Deschedule);

        Assert.Empty(plan.Evictions);
        Assert.Equal([SkipReasons.NodeFit], plan.SkipReasonsOf("podWithNodeAffinity"));
    }

    [Fact]
    public void Preferred_Should_MoveThePodToABetterNode_NotMerelyTheEmptiest()
    {
        // The emptiest node scores 0 like the current one; only the preferred node is better, so it is the target.
        ClusterSnapshot snapshot = new TestCluster()
            .Node("current", 2000).Node("preferred", 2000, configure: n => n.Label("zone", "a")).Node("empty", 16000, 64 * TestCluster.Gi)
            .Pod("busy", "preferred", 1500, configure: p => p.Owner("ReplicaSet", "other"))
            .Pod("web", "current", 100, configure: p => p.Owner("ReplicaSet", "rs").PreferNodeLabelIn(10, "zone", "a")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingNodeAffinityStrategy(new() { NodeAffinityType = [Preferred] }), point: ExtensionPoint.Deschedule);

        PlannedEviction eviction = Assert.Single(plan.Evictions);
        Assert.Equal("preferred", snapshot.Nodes.Name[eviction.TargetNode]);
        Assert.Equal("preferred node affinity weight 0 on current < 10 on preferred", eviction.Reason);
    }

    [Fact]
    public void Preferred_Should_NotEvict_When_TheBetterNodeDoesNotFit()
    {
        ClusterSnapshot snapshot = new TestCluster()
            .Node("current", 2000).Node("preferred", 2000, configure: n => n.Label("zone", "a")).Node("empty", 16000)
            .Pod("busy", "preferred", 1950, configure: p => p.Owner("ReplicaSet", "other"))
            .Pod("web", "current", 100, configure: p => p.Owner("ReplicaSet", "rs").PreferNodeLabelIn(10, "zone", "a")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingNodeAffinityStrategy(new() { NodeAffinityType = [Preferred] }), point: ExtensionPoint.Deschedule);

        Assert.Empty(plan.Evictions);
        Assert.Equal([SkipReasons.NodeFit], plan.SkipReasonsOf("web"));
    }

    [Fact]
    public void Preferred_Should_SumTheWeightsOfMatchingTerms()
    {
        // current matches the weight-30 term; "both" matches 20 + 15 = 35 > 30: a better node.
        ClusterSnapshot snapshot = new TestCluster()
            .Node("current", configure: n => n.Label("disk", "ssd")).Node("both", configure: n => n.Label("zone", "a").Label("gpu", "yes"))
            .Pod("web", "current", configure: p => p.Owner("ReplicaSet", "rs")
                .PreferNodeLabelIn(30, "disk", "ssd").PreferNodeLabelIn(20, "zone", "a").PreferNodeLabelIn(15, "gpu", "yes")).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemovePodsViolatingNodeAffinityStrategy(new() { NodeAffinityType = [Preferred] }), point: ExtensionPoint.Deschedule);

        Assert.Equal("preferred node affinity weight 30 on current < 35 on both", Assert.Single(plan.Evictions).Reason);
    }

    [Theory]
    [InlineData("{}", "args.nodeAffinityType: nodeAffinityType needs to be set (requiredDuringSchedulingIgnoredDuringExecution and/or preferredDuringSchedulingIgnoredDuringExecution)")]
    [InlineData("""{"nodeAffinityType": []}""", "args.nodeAffinityType: nodeAffinityType needs to be set (requiredDuringSchedulingIgnoredDuringExecution and/or preferredDuringSchedulingIgnoredDuringExecution)")]
    [InlineData("""{"nodeAffinityType": ["requiredDuringSchedulingIgnoredDuringExecution"]}""")]
    [InlineData("""{"nodeAffinityType": ["requiredDuringSchedulingRequiredDuringExecution"]}""",
        "args.nodeAffinityType[0]: 'requiredDuringSchedulingRequiredDuringExecution' is not one of requiredDuringSchedulingIgnoredDuringExecution, preferredDuringSchedulingIgnoredDuringExecution")]
    [InlineData("""{"nodeAffinityType": ["requiredDuringSchedulingIgnoredDuringExecution"], "namespaces": {"include": ["default"], "exclude": ["kube-system"]}}""",
        "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"nodeAffinityType": [], "namespaces": {"include": ["default"], "exclude": ["kube-system"]}}""",
        "args.nodeAffinityType: nodeAffinityType needs to be set (requiredDuringSchedulingIgnoredDuringExecution and/or preferredDuringSchedulingIgnoredDuringExecution)",
        "args.namespaces: only one of include and exclude can be set")]
    [InlineData("""{"nodeAffinityType": "requiredDuringSchedulingIgnoredDuringExecution"}""", "args.nodeAffinityType: must be a list of strings")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, params string[] expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal(expected, problems);
    }

    [Fact]
    public void Bind_Should_ReadEveryArgument()
    {
        (RemovePodsViolatingNodeAffinitySettings settings, string[] problems) = Bind("""
            {"nodeAffinityType": ["preferredDuringSchedulingIgnoredDuringExecution", "requiredDuringSchedulingIgnoredDuringExecution"],
             "namespaces": {"include": ["web"]}, "labelSelector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]}}
            """);

        Assert.Empty(problems);
        Assert.Equal([Preferred, Required], settings.NodeAffinityType);
        Assert.Equal(["web"], settings.Namespaces.Include);
        Assert.Equal("tier!=db", settings.LabelSelector!.ToString());
    }

    private static (RemovePodsViolatingNodeAffinitySettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        RemovePodsViolatingNodeAffinitySettings settings = RemovePodsViolatingNodeAffinitySettings.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }
}
