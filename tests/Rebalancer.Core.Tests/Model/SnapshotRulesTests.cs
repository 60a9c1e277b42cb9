using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.Consolidation;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Model;

/// <summary>
/// The builder applies <see cref="SnapshotRules"/> to every object it is handed, whichever reader hands it (issue #17,
/// A1–A3), and a snapshot that passes them can be planned without any sum overflowing.
/// </summary>
public class SnapshotRulesTests
{
    private const long Max = SnapshotRules.MaxTotal;

    public static TheoryData<string, Action<TestCluster>, string> Refused => new()
    {
        { "a second node", c => c.Node("n1").Node("n1"), "metadata.name: a second node n1; each object appears once" },
        { "a second pod", c => c.Node("n1").Pod("p", "n1").Pod("p", "n1"), "metadata.name: a second pod default/p; pods are unique by namespace and name" },
        {
            "a second uid", c => c.Node("n1").Pod("p", "n1", configure: p => p.Record.Uid = "u").Pod("q", "n1", configure: p => p.Record.Uid = "u"),
            "metadata.uid: pod default/q has the uid of pod default/p; uids are unique"
        },
        { "a second namespace", c => c.Namespace("shop").Namespace("shop"), "metadata.name: a second Namespace shop; each object appears once" },
        { "a second PriorityClass", c => c.PriorityClass("high", 10).PriorityClass("high", 20), "metadata.name: a second PriorityClass high; each object appears once" },
        {
            "a second PodDisruptionBudget", c => c.PdbAllowing("b", "web", 1).PdbAllowing("b", "web", 2),
            "metadata.name: a second PodDisruptionBudget default/b; each object appears once"
        },
        { "negative node cpu", c => c.Node("n1", cpu: -1), "status.allocatable: cpu is negative; resource amounts are 0 or more" },
        { "negative pod count", c => c.Node("n1", pods: -110), "status.allocatable: pods is negative; resource amounts are 0 or more" },
        { "negative request", c => c.Node("n1").Pod("p", "n1", configure: p => p.Record.Containers[0].Requests.Add(new ResourceAmount(ResourceCatalog.Memory, -1))), "spec: container 'main': resources.requests: memory is negative; resource amounts are 0 or more" },
        {
            "requests past 2^62", c => c.Node("n1").Pod("a", "n1", memory: Max / 2 + 1).Pod("b", "n1", memory: Max / 2),
            "spec: the pods' requests of memory add up to more than 4611686018427387904 bytes (2^62), more than any cluster holds; a value is wrong"
        },
        {
            // The scheduler counts 200Mi for a container without a memory request (its scoring requests), which pushes past the limit.
            "scoring requests past 2^62", c => c.Node("n1").Pod("a", "n1", memory: Max, configure: p => p.Container(ContainerKind.Regular, "sidecar")),
            "spec.memory: the pods' scoring requests of memory add up to more than 4611686018427387904 bytes (2^62), more than any cluster holds; a value is wrong"
        },
        {
            // Each addition is checked: 100m of cpu counted for the second container would overflow a long.
            "scoring requests past long.MaxValue", c => c.Node("n1").Pod("a", "n1", cpu: 0, configure: p => p.Container(ContainerKind.Regular, "big", ("cpu", long.MaxValue - 50))),
            "spec: its containers' requests (with overhead) add up to more than 9223372036854775807 in one resource"
        },
        {
            "allocatable past 2^62", c => c.Node("n1", cpu: Max).Node("n2", cpu: 1),
            "status.allocatable: the nodes' allocatable amounts of cpu add up to more than 4611686018427387904 millicores (2^62), more than any cluster holds; a value is wrong"
        },
        { "a name too long", c => c.Node(new string('n', 254)), "metadata.name: is longer than 253 bytes, the most Kubernetes allows" },
        {
            "a PDB with both", c => c.Pdb("b", (pdb, _) => (pdb.MinAvailable, pdb.MaxUnavailable) = (new IntOrPercent(1, false), new IntOrPercent(1, false))),
            "spec: sets both minAvailable and maxUnavailable; a PodDisruptionBudget sets one of them"
        },
        {
            "a negative status", c => c.Pdb("b", (pdb, _) => pdb.CurrentHealthy = -1),
            "status.currentHealthy: is negative; it counts, so it is 0 or more"
        },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void The_builder_refuses_what_Kubernetes_never_stores(string what, Action<TestCluster> build, string expected)
    {
        var error = Assert.Throws<SnapshotValueException>(() => build(new TestCluster()));

        Assert.True(expected == error.Message, $"{what}: {error.Message}");
    }

    [Fact]
    public void Metrics_are_checked_as_they_are_added()
    {
        var builder = new SnapshotBuilder();
        builder.AddNodeMetrics("n1", 100, 1);

        Assert.Equal("metadata.name: a second NodeMetrics n1; each object appears once",
            Assert.Throws<SnapshotValueException>(() => builder.AddNodeMetrics("n1", 100, 1)).Message);
        Assert.Equal("usage.cpu: cpu usage is negative; resource amounts are 0 or more",
            Assert.Throws<SnapshotValueException>(() => builder.AddNodeMetrics("n2", -1, 1)).Message);
        builder.AddPodMetrics("default", "p", Max, 0);
        Assert.StartsWith("containers.usage.cpu: the pods' usage of cpu add up to more than",
            Assert.Throws<SnapshotValueException>(() => builder.AddPodMetrics("default", "q", 1, 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_pod_leaves_no_column_behind()
    {
        var cluster = new TestCluster().Node("n1").Pod("a", "n1");

        Assert.Throws<SnapshotValueException>(() => cluster.Pod("a", "n1"));
        cluster.Pod("b", "n1");
        ClusterSnapshot snapshot = cluster.Build();

        Assert.Equal(["a", "b"], snapshot.Pods.Name);
        Assert.Equal(2, snapshot.PodsOn(0).Length);
        Assert.Null(SnapshotRules.Check(snapshot));
    }

    /// <summary>
    /// The regression of issue #17 A1: amounts that wrapped a node's sum negative made Consolidation drain the busiest
    /// node. At the largest totals the rules allow, every sum planning forms stays in range.
    /// </summary>
    [Fact]
    public void A_cluster_at_the_limits_plans_without_any_sum_overflowing()
    {
        long third = Max / 3;
        var cluster = new TestCluster()
            .Node("busy", cpu: third, memory: third)
            .Node("light-1", cpu: third, memory: third)
            .Node("light-2", cpu: third, memory: third);
        cluster.ReplicaSetPods("big", ["busy", "busy", "busy"], cpu: third / 4, memory: third / 4);
        cluster.ReplicaSetPods("small", ["light-1", "light-2"], cpu: third / 10, memory: third / 10);
        ClusterSnapshot snapshot = cluster.Build();
        Assert.Null(SnapshotRules.Check(snapshot));

        Plan consolidation = TestPlanner.Plan(snapshot, new ConsolidationStrategy(
            new ConsolidationSettings { MaxNodesPerRun = new(100, true), MinUtilizationToKeep = 100, KeepNodeLossHeadroom = false }));
        Plan balancing = TestPlanner.Plan(snapshot, new LowNodeUtilizationStrategy(new LowNodeUtilizationSettings
        {
            Thresholds = new ResourceThresholds([new("cpu", 20m), new("memory", 20m)]),
            TargetThresholds = new ResourceThresholds([new("cpu", 50m), new("memory", 50m)]),
        }));

        // Consolidation empties light nodes, never the busiest; LowNodeUtilization moves pods off the 75% node.
        Assert.NotEmpty(consolidation.Evictions);
        Assert.DoesNotContain(consolidation.Evictions, e => snapshot.Nodes.Name[e.Node] == "busy");
        Assert.All(balancing.Evictions, e => Assert.Equal("busy", snapshot.Nodes.Name[e.Node]));
        foreach (Plan plan in new[] { consolidation, balancing })
        {
            Assert.All(plan.RequestedBefore, amount => Assert.InRange(amount, 0, Max));
            Assert.All(plan.RequestedAfter, amount => Assert.InRange(amount, 0, Max));
            int resources = snapshot.Resources.Count;
            for (int r = 0; r < resources; r++)
            {
                Assert.Equal(Column(plan.RequestedBefore, resources, r), Column(plan.RequestedAfter, resources, r));
            }
        }
    }

    private static long Column(long[] rows, int width, int column)
    {
        long sum = 0;
        for (int i = column; i < rows.Length; i += width)
        {
            sum += rows[i];
        }

        return sum;
    }
}
