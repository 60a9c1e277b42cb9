using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Scheduling.Scoring;
using Rebalancer.Core.Scheduling.Scoring.InterPodAffinity;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesBalancedAllocation;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;
using Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;
using Rebalancer.Testing.Builders;

namespace Rebalancer.Core.Tests.Scheduling;

/// <summary>
/// Every modelled score plugin against the worked examples of kube-scheduler's own unit tests (same inputs, same
/// scores): noderesources/least_allocated_test.go, most_allocated_test.go, requested_to_capacity_ratio_test.go,
/// balanced_allocation_test.go, tainttoleration/taint_toleration_test.go, nodeaffinity/node_affinity_test.go,
/// interpodaffinity/scoring_test.go and podtopologyspread/scoring_test.go. Their cpu quantities in cores are written
/// here in millicores (× 1000), which keeps every ratio. The pod being scored is "p", unbound.
/// </summary>
public sealed class ScorePluginTests
{
    private const long Core = 1000;

    public sealed record Case(string Name, Func<TestCluster> Cluster, string Plugin, object? Settings, long[]? Expected, string[]? Feasible = null)
    {
        public override string ToString() => Name;
    }

    /// <summary>One container per argument, each with exactly the requests given (a key with 0 is an explicit zero).</summary>
    private static Action<PodBuilder> Containers(params (string Resource, long Amount)[][] containers) => p =>
    {
        p.Record.Containers.Clear();
        foreach ((string Resource, long Amount)[] requests in containers)
        {
            p.Container(ContainerKind.Regular, "img", requests);
        }
    };

    private static (string, long)[] R(long cpu, long memory) => [("cpu", cpu), ("memory", memory)];

    /// <summary>A container that requests nothing (<c>st.MakePod().Container("c")</c>); <c>Containers()</c> is a pod without any.</summary>
    private static readonly (string, long)[] NoRequests = [];

    private static TestCluster Nodes(params (string Name, long Cpu, long Memory)[] nodes)
    {
        var cluster = new TestCluster();
        foreach ((string name, long cpu, long memory) in nodes)
        {
            cluster.Node(name, cpu, memory);
        }

        return cluster;
    }

    private static NodeResourcesFitSettings Fit(ScoringStrategyType type, params (string Name, int Weight)[] resources) => new()
    {
        Type = type,
        Resources = resources.Length == 0 ? ResourceWeight.CpuAndMemory : [.. resources.Select(r => new ResourceWeight(r.Name, r.Weight))],
    };

    public static TheoryData<Case> ResourceCases => new()
    {
        // least_allocated_test.go
        new("LeastAllocated: nothing scheduled, resources requested, differently sized nodes",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 6000 * Core, 10000)).Pod("p", null, configure: Containers(R(1000 * Core, 2000), R(2000 * Core, 3000))),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated), [37, 50]),
        new("LeastAllocated: no resources requested, pods scheduled",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 4000 * Core, 10000))
                .Pod("e1", "node1", configure: Containers()).Pod("e2", "node1", configure: Containers())
                .Pod("e3", "node2", configure: Containers()).Pod("e4", "node2", configure: Containers())
                .Pod("p", null, configure: Containers()),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated), [100, 100]),
        new("LeastAllocated: no resources requested, pods scheduled with resources",
            () => Nodes(("node1", 10000 * Core, 20000), ("node2", 10000 * Core, 20000))
                .Pod("e1", "node1", configure: Containers(R(3000 * Core, 0))).Pod("e2", "node1", configure: Containers(R(3000 * Core, 0)))
                .Pod("e3", "node2", configure: Containers(R(3000 * Core, 0))).Pod("e4", "node2", configure: Containers(R(3000 * Core, 5000)))
                .Pod("p", null, configure: Containers()),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated), [70, 57]),
        new("LeastAllocated: resources requested, pods scheduled with resources",
            () => Nodes(("node1", 10000 * Core, 20000), ("node2", 10000 * Core, 20000))
                .Pod("e1", "node1", configure: Containers(R(3000 * Core, 0))).Pod("e2", "node2", configure: Containers(R(3000 * Core, 5000)))
                .Pod("p", null, configure: Containers(R(1000 * Core, 2000), R(2000 * Core, 3000))),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated), [57, 45]),
        new("LeastAllocated: requested resources exceed node capacity",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 4000 * Core, 10000))
                .Pod("e1", "node1", configure: Containers(R(3000 * Core, 0))).Pod("e2", "node2", configure: Containers(R(3000 * Core, 5000)))
                .Pod("p", null, configure: Containers(R(3000 * Core, 0))),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated), [50, 25]),
        new("LeastAllocated: weights memory 2, cpu 1",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 6000 * Core, 10000)).Pod("p", null, configure: Containers(R(1000 * Core, 2000), R(2000 * Core, 3000))),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated, ("memory", 2), ("cpu", 1)), [41, 50]),
        new("LeastAllocated: an extended resource the pod requests is honoured",
            () => new TestCluster().Node("node1", 6000 * Core, 10000, configure: n => n.Allocatable("ext/foo", 4))
                .Node("node2", 6000 * Core, 10000, configure: n => n.Allocatable("ext/foo", 10))
                .Pod("p", null, configure: Containers([("cpu", 3000 * Core), ("memory", 5000), ("ext/foo", 2)])),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated, ("cpu", 1), ("memory", 1), ("ext/foo", 1)), [50, 60]),
        new("LeastAllocated: the node without the extended resource leaves it out",
            () => Nodes(("node1", 6000 * Core, 10000), ("node2", 6000 * Core, 10000)).Node("node3", configure: n => n.Allocatable("ext/foo", 4)).Pod("p", null, configure: Containers(R(3000 * Core, 4000))),
            "NodeResourcesFit", Fit(ScoringStrategyType.LeastAllocated, ("ext/foo", 2), ("cpu", 1), ("memory", 1)), [55, 55], ["node1", "node2"]),

        // most_allocated_test.go
        new("MostAllocated: nothing scheduled, resources requested, differently sized nodes",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 6000 * Core, 10000)).Pod("p", null, configure: Containers(R(1000 * Core, 2000), R(2000 * Core, 3000))),
            "NodeResourcesFit", Fit(ScoringStrategyType.MostAllocated), [62, 50]),
        new("MostAllocated: no resources requested, pods scheduled with resources",
            () => Nodes(("node1", 10000 * Core, 20000), ("node2", 10000 * Core, 20000))
                .Pod("e1", "node1", configure: Containers(R(3000 * Core, 0))).Pod("e2", "node1", configure: Containers(R(3000 * Core, 0)))
                .Pod("e3", "node2", configure: Containers(R(3000 * Core, 0))).Pod("e4", "node2", configure: Containers(R(3000 * Core, 5000)))
                .Pod("p", null, configure: Containers()),
            "NodeResourcesFit", Fit(ScoringStrategyType.MostAllocated), [30, 42]),
        new("MostAllocated: resources requested equal node capacity",
            () => Nodes(("node1", 5000 * Core, 10000), ("node2", 10000 * Core, 9000)).Pod("p", null, configure: Containers(R(2000 * Core, 4000), R(3000 * Core, 5000))),
            "NodeResourcesFit", Fit(ScoringStrategyType.MostAllocated), [95, 75]),
        new("MostAllocated: weights memory 2, cpu 1",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 6000 * Core, 10000)).Pod("p", null, configure: Containers(R(1000 * Core, 2000), R(2000 * Core, 3000))),
            "NodeResourcesFit", Fit(ScoringStrategyType.MostAllocated, ("memory", 2), ("cpu", 1)), [58, 50]),
        new("MostAllocated: containers without requests count the scheduler's non-zero defaults (100m, 200Mi)",
            () => Nodes(("node1", 250, 1000 * TestCluster.Mi), ("node2", 250, 1000 * TestCluster.Mi))
                .Pod("e1", "node1", configure: Containers(NoRequests)).Pod("e2", "node1", configure: Containers(NoRequests))
                .Pod("p", null, configure: Containers(NoRequests)),
            "NodeResourcesFit", Fit(ScoringStrategyType.MostAllocated), [80, 30]),
        new("MostAllocated: an extended resource the pod requests is honoured",
            () => new TestCluster().Node("node1", 6000 * Core, 10000, configure: n => n.Allocatable("ext/foo", 4))
                .Node("node2", 6000 * Core, 10000, configure: n => n.Allocatable("ext/foo", 10))
                .Pod("p", null, configure: Containers([("cpu", 3000 * Core), ("memory", 5000), ("ext/foo", 2)])),
            "NodeResourcesFit", Fit(ScoringStrategyType.MostAllocated, ("cpu", 1), ("memory", 1), ("ext/foo", 1)), [50, 40]),

        // requested_to_capacity_ratio_test.go (shape 0%→10, 100%→0)
        new("RequestedToCapacityRatio: nothing requested",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 4000 * Core, 10000))
                .Pod("e1", "node1", configure: Containers()).Pod("e2", "node1", configure: Containers()).Pod("p", null, configure: Containers()),
            "NodeResourcesFit", Ratio((0, 10), (100, 0)), [100, 100]),
        new("RequestedToCapacityRatio: resources requested, differently sized nodes",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 6000 * Core, 10000))
                .Pod("e1", "node1", configure: Containers()).Pod("e2", "node1", configure: Containers())
                .Pod("p", null, configure: Containers(R(1000 * Core, 2000), R(2000 * Core, 3000))),
            "NodeResourcesFit", Ratio((0, 10), (100, 0)), [38, 50]),
        new("RequestedToCapacityRatio: pods scheduled with resources",
            () => Nodes(("node1", 4000 * Core, 10000), ("node2", 6000 * Core, 10000))
                .Pod("e1", "node1", configure: Containers(R(3000 * Core, 5000))).Pod("e2", "node2", configure: Containers(R(3000 * Core, 5000)))
                .Pod("p", null, configure: Containers()),
            "NodeResourcesFit", Ratio((0, 10), (100, 0)), [38, 50]),
        new("RequestedToCapacityRatio: a single extended resource, packing shape (TestResourceBinPackingSingleExtended)",
            () => new TestCluster().Node("node1", 4000, 10000 * TestCluster.Mi, configure: n => n.Allocatable("intel.com/foo", 8))
                .Node("node2", 4000, 10000 * TestCluster.Mi, configure: n => n.Allocatable("intel.com/foo", 4))
                .Pod("e1", "node2", configure: Containers([("intel.com/foo", 2)]))
                .Pod("p", null, configure: Containers([("intel.com/foo", 2)])),
            "NodeResourcesFit", Ratio([("intel.com/foo", 1)], (0, 0), (100, 1)), [2, 10]),

        // balanced_allocation_test.go
        new("BalancedAllocation: nothing scheduled, resources requested, differently sized nodes",
            () => Nodes(("node1", 4000, 10000), ("node2", 6000, 10000)).Pod("p", null, configure: Containers(R(1000, 2000), R(2000, 3000))),
            "NodeResourcesBalancedAllocation", NodeResourcesBalancedAllocationSettings.Default, [87, 100]),
        new("BalancedAllocation: resources requested, pods scheduled with resources",
            () => Nodes(("node1", 10000, 20000), ("node2", 10000, 20000))
                .Pod("e1", "node1", configure: Containers(R(1000, 0), R(2000, 0))).Pod("e2", "node2", configure: Containers(R(1000, 2000), R(2000, 3000)))
                .Pod("p", null, configure: Containers(R(1000, 2000), R(2000, 3000))),
            "NodeResourcesBalancedAllocation", NodeResourcesBalancedAllocationSettings.Default, [82, 95]),
        new("BalancedAllocation: requested resources at node capacity",
            () => Nodes(("node1", 6000, 10000), ("node2", 6000, 10000))
                .Pod("e1", "node1", configure: Containers(R(1000, 0), R(2000, 0))).Pod("e2", "node2", configure: Containers(R(1000, 2000), R(2000, 3000)))
                .Pod("p", null, configure: Containers(R(1000, 0), R(2000, 0))),
            "NodeResourcesBalancedAllocation", NodeResourcesBalancedAllocationSettings.Default, [50, 75]),
        new("BalancedAllocation: a scalar resource, three fractions",
            () => new TestCluster().Node("node1", 3500, 40000, configure: n => n.Allocatable("nvidia.com/gpu", 8))
                .Node("node2", 3500, 40000, configure: n => n.Allocatable("nvidia.com/gpu", 8))
                .Pod("e1", "node2", configure: Containers(R(1000, 2000), R(2000, 3000)))
                .Pod("e2", "node1", configure: Containers(R(1000, 2000), [("cpu", 2000), ("memory", 3000), ("nvidia.com/gpu", 3)]))
                .Pod("p", null, configure: Containers([("memory", 0), ("nvidia.com/gpu", 1)])),
            "NodeResourcesBalancedAllocation", new NodeResourcesBalancedAllocationSettings([new("cpu", 1), new("memory", 1), new("nvidia.com/gpu", 1)]), [70, 65]),
        new("BalancedAllocation: a node without the scalar resource leaves it out",
            () => new TestCluster().Node("node1", 3500, 40000, configure: n => n.Allocatable("nvidia.com/gpu", 8)).Node("node2", 3500, 40000)
                .Pod("p", null, configure: Containers(R(1000, 2000), R(2000, 3000))),
            "NodeResourcesBalancedAllocation", new NodeResourcesBalancedAllocationSettings([new("cpu", 1), new("memory", 1), new("nvidia.com/gpu", 1)]), [63, 63]),
    };

    private static NodeResourcesFitSettings Ratio(params (int Utilization, int Score)[] shape) => Ratio([("cpu", 1), ("memory", 1)], shape);

    private static NodeResourcesFitSettings Ratio((string Name, int Weight)[] resources, params (int Utilization, int Score)[] shape) =>
        Fit(ScoringStrategyType.RequestedToCapacityRatio, resources) with { Shape = [.. shape.Select(s => new ShapePoint(s.Utilization, s.Score))] };

    /// <summary>Nodes with the given labels (hostname kept), and taints.</summary>
    private static TestCluster Labelled(params (string Name, (string Key, string Value)[] Labels)[] nodes)
    {
        var cluster = new TestCluster();
        foreach ((string name, (string Key, string Value)[] labels) in nodes)
        {
            cluster.Node(name, configure: n =>
            {
                foreach ((string key, string value) in labels)
                {
                    n.Label(key, value);
                }
            });
        }

        return cluster;
    }

    private static readonly (string, string)[] China = [("region", "China")];
    private static readonly (string, string)[] India = [("region", "India")];
    private static readonly (string, string)[] Az1 = [("az", "az1")];
    private static readonly (string, string)[] Az2 = [("az", "az2")];
    private static readonly (string, string)[] ChinaAz1 = [("region", "China"), ("az", "az1")];

    public static TheoryData<Case> PlacementCases => new()
    {
        // taint_toleration_test.go
        new("TaintToleration: a tolerated taint beats an untolerated one",
            () => new TestCluster().Node("nodeA", configure: n => n.Taint("foo", "bar", TaintEffect.PreferNoSchedule))
                .Node("nodeB", configure: n => n.Taint("foo", "blah", TaintEffect.PreferNoSchedule))
                .Pod("p", null, configure: p => p.Tolerate("foo", "bar", TaintEffect.PreferNoSchedule)),
            "TaintToleration", null, [100, 0]),
        new("TaintToleration: how many tolerated taints a node has does not matter",
            () => new TestCluster().Node("nodeA").Node("nodeB", configure: n => n.Taint("cpu-type", "arm64", TaintEffect.PreferNoSchedule))
                .Node("nodeC", configure: n => n.Taint("cpu-type", "arm64", TaintEffect.PreferNoSchedule).Taint("disk-type", "ssd", TaintEffect.PreferNoSchedule))
                .Pod("p", null, configure: p => p.Tolerate("cpu-type", "arm64", TaintEffect.PreferNoSchedule).Tolerate("disk-type", "ssd", TaintEffect.PreferNoSchedule)),
            "TaintToleration", null, [100, 100, 100]),
        new("TaintToleration: the more intolerable taints, the lower the score",
            () => new TestCluster().Node("nodeA").Node("nodeB", configure: n => n.Taint("cpu-type", "arm64", TaintEffect.PreferNoSchedule))
                .Node("nodeC", configure: n => n.Taint("cpu-type", "arm64", TaintEffect.PreferNoSchedule).Taint("disk-type", "ssd", TaintEffect.PreferNoSchedule))
                .Pod("p", null, configure: p => p.Tolerate("foo", "bar", TaintEffect.PreferNoSchedule)),
            "TaintToleration", null, [100, 50, 0]),
        new("TaintToleration: only PreferNoSchedule taints and tolerations count",
            () => new TestCluster().Node("nodeA").Node("nodeB", configure: n => n.Taint("cpu-type", "arm64", TaintEffect.NoSchedule))
                .Node("nodeC", configure: n => n.Taint("cpu-type", "arm64", TaintEffect.PreferNoSchedule).Taint("disk-type", "ssd", TaintEffect.PreferNoSchedule))
                .Pod("p", null, configure: p => p.Tolerate("cpu-type", "arm64", TaintEffect.NoSchedule).Tolerate("disk-type", "ssd", TaintEffect.NoSchedule)),
            "TaintToleration", null, [100, 100, 0]),
        new("TaintToleration: no tolerations, the untainted node wins",
            () => new TestCluster().Node("nodeA").Node("nodeB", configure: n => n.Taint("cpu-type", "arm64", TaintEffect.PreferNoSchedule))
                .Pod("p", null),
            "TaintToleration", null, [100, 0]),

        // node_affinity_test.go (TestNodeAffinityPriority)
        new("NodeAffinity: no preferred terms, the plugin skips the pod",
            () => Labelled(("node1", [("foo", "bar")]), ("node2", [("key", "value")])).Pod("p", null),
            "NodeAffinity", null, null),
        new("NodeAffinity: only node1 matches",
            () => Labelled(("node1", [("foo", "bar")]), ("node2", [("key", "value")]), ("node3", [("az", "az1")]))
                .Pod("p", null, configure: p => p.PreferNodeLabelIn(2, "foo", "bar")),
            "NodeAffinity", null, [100, 0, 0]),
        new("NodeAffinity: every node matches, with different sums",
            () => Labelled(("node1", [("foo", "bar")]), ("node5", [("foo", "bar"), ("key", "value"), ("az", "az1")]), ("node2", [("key", "value")]))
                .Pod("p", null, configure: p => p.PreferNodeLabelIn(2, "foo", "bar").PreferNodeLabelIn(4, "key", "value")
                    .Constraints(WithPreferredTerm(p.Record.Constraints, 5, p, ("foo", "bar"), ("key", "value"), ("az", "az1")))),
            "NodeAffinity", null, [18, 100, 36]),

        // interpodaffinity/scoring_test.go (TestPreferredAffinity)
        new("InterPodAffinity: no term anywhere, the plugin skips the pod",
            () => Labelled(("node1", China), ("node2", India), ("node3", Az1)).Pod("p", null, configure: p => p.Label("security", "S1")),
            "InterPodAffinity", InterPodAffinitySettings.Default, null),
        new("InterPodAffinity: the node matching the topology key and the pods scores high",
            () => Labelled(("node1", China), ("node2", India), ("node3", Az1))
                .Pod("e1", "node1", configure: p => p.Label("security", "S1")).Pod("e2", "node2", configure: p => p.Label("security", "S2"))
                .Pod("e3", "node3", configure: p => p.Label("security", "S1"))
                .Pod("p", null, configure: p => p.Label("security", "S1").PreferAffinity(5, "security", "S1", "region")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [100, 0, 0]),
        new("InterPodAffinity: every node of the matching domain gets the same score",
            () => Labelled(("node1", China), ("node2", ChinaAz1), ("node3", India))
                .Pod("e1", "node1", configure: p => p.Label("security", "S1"))
                .Pod("p", null, configure: p => p.PreferAffinity(5, "security", "S1", "region")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [100, 100, 0]),
        new("InterPodAffinity: the region with more matching pods scores high",
            () => Labelled(("node1", China), ("node2", India), ("node3", China), ("node4", China), ("node5", India))
                .Pod("e1", "node1", configure: p => p.Label("security", "S2")).Pod("e2", "node1", configure: p => p.Label("security", "S2"))
                .Pod("e3", "node2", configure: p => p.Label("security", "S2")).Pod("e4", "node3", configure: p => p.Label("security", "S2"))
                .Pod("e5", "node4", configure: p => p.Label("security", "S2")).Pod("e6", "node5", configure: p => p.Label("security", "S2"))
                .Pod("p", null, configure: p => p.Label("security", "S1").PreferAffinity(6, "security", "S2", "region")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [100, 0, 100, 100, 0]),
        new("InterPodAffinity symmetry: existing pods' preferred affinity selecting the pod",
            () => Labelled(("node1", China), ("node2", India), ("node3", Az1))
                .Pod("e1", "node1", configure: p => p.Label("security", "S1").PreferAffinity(5, "security", "S1", "region"))
                .Pod("e2", "node2", configure: p => p.Label("security", "S2").PreferAffinity(6, "security", "S2", "region"))
                .Pod("p", null, configure: p => p.Label("security", "S2")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [0, 100, 0]),
        new("InterPodAffinity symmetry: existing pods' required affinity counts hardPodAffinityWeight",
            () => Labelled(("node1", China), ("node2", India), ("node3", Az1))
                .Pod("e1", "node1", configure: p => p.Label("security", "S1").Affinity("security", "S1", "region"))
                .Pod("e2", "node2", configure: p => p.Label("security", "S2").Affinity("security", "S1", "region"))
                .Pod("p", null, configure: p => p.Label("security", "S1")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [100, 100, 0]),
        new("InterPodAffinity: anti-affinity, the node without matching pods scores high",
            () => Labelled(("node1", Az1), ("node2", China))
                .Pod("e1", "node1", configure: p => p.Label("security", "S1")).Pod("e2", "node2", configure: p => p.Label("security", "S2"))
                .Pod("p", null, configure: p => p.Label("security", "S1").PreferAntiAffinity(5, "security", "S1", "az")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [0, 100]),
        new("InterPodAffinity symmetry: existing pods' preferred anti-affinity against the pod",
            () => Labelled(("node1", Az1), ("node2", Az2))
                .Pod("e1", "node1", configure: p => p.Label("security", "S1").PreferAntiAffinity(5, "security", "S2", "az"))
                .Pod("e2", "node2", configure: p => p.Label("security", "S2").PreferAntiAffinity(5, "security", "S1", "az"))
                .Pod("p", null, configure: p => p.Label("security", "S2")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [0, 100]),
        new("InterPodAffinity: affinity in a region, anti-affinity in an az",
            () => Labelled(("node1", ChinaAz1), ("node2", India), ("node3", China), ("node4", China), ("node5", India))
                .Pod("e1", "node1", configure: p => p.Label("security", "S1")).Pod("e2", "node1", configure: p => p.Label("security", "S1"))
                .Pod("e3", "node2", configure: p => p.Label("security", "S1")).Pod("e4", "node3", configure: p => p.Label("security", "S1"))
                .Pod("e5", "node3", configure: p => p.Label("security", "S1")).Pod("e6", "node4", configure: p => p.Label("security", "S1"))
                .Pod("e7", "node5", configure: p => p.Label("security", "S1"))
                .Pod("p", null, configure: p => p.Label("security", "S1").PreferAffinity(8, "security", "S1", "region").PreferAntiAffinity(5, "security", "S2", "az")),
            "InterPodAffinity", InterPodAffinitySettings.Default, [100, 0, 100, 100, 0]),

        // podtopologyspread/scoring_test.go (TestPodTopologySpreadScore)
        new("PodTopologySpread: one constraint on node, matching pods 2/1/0/3",
            () => Spread(1, "kubernetes.io/hostname", ("node-a", 2), ("node-b", 1), ("node-c", 0), ("node-d", 3)),
            "PodTopologySpread", PodTopologySpreadSettings.Default, [20, 60, 100, 0]),
        new("PodTopologySpread: maxSkew 2",
            () => Spread(2, "kubernetes.io/hostname", ("node-a", 2), ("node-b", 1), ("node-c", 0), ("node-d", 3)),
            "PodTopologySpread", PodTopologySpreadSettings.Default, [33, 66, 100, 16]),
        new("PodTopologySpread: maxSkew 3, matching pods 4/3/2/1",
            () => Spread(3, "kubernetes.io/hostname", ("node-a", 4), ("node-b", 3), ("node-c", 2), ("node-d", 1)),
            "PodTopologySpread", PodTopologySpreadSettings.Default, [44, 66, 77, 100]),
        new("PodTopologySpread: system defaulting, no zones, the pods of one controller (the Service's pods upstream)",
            () => Spread(0, null, ("node-a", 4), ("node-b", 3), ("node-c", 2), ("node-d", 1)),
            "PodTopologySpread", PodTopologySpreadSettings.Default, [44, 66, 77, 100]),
        new("PodTopologySpread: one constraint on node, 3 of 4 nodes are candidates",
            () => Spread(1, "kubernetes.io/hostname", ("node-a", 4), ("node-b", 2), ("node-x", 1), ("node-y", 3)),
            "PodTopologySpread", PodTopologySpreadSettings.Default, [33, 83, 100], ["node-a", "node-b", "node-x"]),
        new("PodTopologySpread: one constraint on zone, 3 of 4 nodes are candidates",
            () => Spread(1, "zone", ("node-a", 4), ("node-b", 2), ("node-x", 1), ("node-y", 3)),
            "PodTopologySpread", PodTopologySpreadSettings.Default, [75, 75, 100], ["node-a", "node-b", "node-x"]),
    };

    /// <summary>
    /// The spreading fixture: nodes with their hostname and a zone (node-a, node-b in zone1; the rest in zone2), each
    /// holding <c>Count</c> pods labelled foo; the pod "p" (foo) spreads with an Exists(foo) selector, or, with maxSkew
    /// 0, has no constraint of its own and every pod belongs to one ReplicaSet (system defaults apply).
    /// </summary>
    private static TestCluster Spread(int maxSkew, string? key, params (string Node, int Count)[] nodes)
    {
        var cluster = new TestCluster();
        foreach ((string node, _) in nodes)
        {
            if (key is null)
            {
                cluster.Node(node); // no zone label: the system defaults' zone constraint scores nothing
            }
            else
            {
                cluster.Node(node, configure: n => n.Label("zone", node is "node-a" or "node-b" ? "zone1" : "zone2"));
            }
        }

        foreach ((string node, int count) in nodes)
        {
            for (int i = 0; i < count; i++)
            {
                cluster.Pod($"{node}-{i}", node, configure: p =>
                {
                    p.Label("foo", string.Empty);
                    if (key is null)
                    {
                        p.Owner("ReplicaSet", "rs");
                    }
                });
            }
        }

        return cluster.Pod("p", null, configure: p =>
        {
            p.Label("foo", string.Empty);
            if (key is null)
            {
                p.Owner("ReplicaSet", "rs");
                return;
            }

            var exists = new LabelSelector([new SelectorRequirement(cluster.Strings.Intern("foo"), SelectorOperator.Exists, [])]);
            p.Constraints(new PodConstraints
            {
                TopologySpread = [new TopologySpreadConstraint(maxSkew, cluster.Strings.Intern(key), UnsatisfiableConstraintAction.ScheduleAnyway,
                    exists, null, NodeInclusionPolicy.Honor, NodeInclusionPolicy.Ignore, [])],
            });
        });
    }

    private static PodConstraints WithPreferredTerm(PodConstraints constraints, int weight, PodBuilder pod, params (string Key, string Value)[] requirements)
    {
        StringTable strings = pod.Cluster.Strings;
        var term = new NodeSelectorTerm([.. requirements.Select(r =>
            new NodeSelectorRequirement(strings.Intern(r.Key), SelectorOperator.In, [strings.Intern(r.Value)], [r.Value], false))]);
        return new PodConstraints { PreferredNodeAffinity = [.. constraints.PreferredNodeAffinity, new PreferredSchedulingTerm(weight, term)] };
    }

    [Theory]
    [MemberData(nameof(ResourceCases))]
    [MemberData(nameof(PlacementCases))]
    public void ScorePlugin_Should_ScoreAsKubeSchedulerDoes(Case c)
    {
        ClusterSnapshot snapshot = c.Cluster().Build();
        int pod = Enumerable.Range(0, snapshot.Pods.Count).Single(p => snapshot.Pods.Name[p] == "p");
        int[] feasible = c.Feasible is null
            ? [.. Enumerable.Range(0, snapshot.Nodes.Count)]
            : [.. c.Feasible.Select(name => Enumerable.Range(0, snapshot.Nodes.Count).Single(n => snapshot.Nodes.Name[n] == name))];
        ScorePluginEntry entry = ScorePluginCatalog.Find(c.Plugin)!;
        var context = new ScoringContext(snapshot, new Projection(snapshot), new StaticFitIndex(snapshot));
        IScorePlugin plugin = entry.Create!(c.Settings ?? entry.Defaults, context);
        long[] scores = new long[feasible.Length];

        bool scored = plugin.Score(pod, feasible, scores);

        if (c.Expected is null)
        {
            Assert.False(scored);
        }
        else
        {
            Assert.True(scored);
            Assert.Equal(c.Expected, scores);
        }
    }

    [Theory]
    [InlineData(new[] { 10, 90 }, new[] { 1, 9 }, new long[] { -10, 0, 9, 10, 15, 19, 20, 89, 90, 99, 100, 110 }, new long[] { 1, 1, 1, 1, 1, 1, 2, 8, 9, 9, 9, 9 })]
    [InlineData(new[] { 0, 40, 100 }, new[] { 2, 10, 0 }, new long[] { -10, 0, 20, 30, 40, 70, 100, 110 }, new long[] { 2, 2, 6, 8, 10, 5, 0, 0 })]
    [InlineData(new[] { 0, 40, 100 }, new[] { 2, 2, 2 }, new long[] { -10, 0, 20, 30, 40, 70, 100, 110 }, new long[] { 2, 2, 2, 2, 2, 2, 2, 2 })]
    public void RequestedToCapacityRatio_Should_FollowTheBrokenLinearFunction(int[] utilization, int[] score, long[] at, long[] expected)
    {
        // TestBrokenLinearFunction's points and assertions.
        ShapePoint[] shape = [.. utilization.Select((u, i) => new ShapePoint(u, score[i]))];

        Assert.Equal(expected, at.Select(p => NodeResourcesFitScorer.BrokenLinear(shape, p)));
    }
}
