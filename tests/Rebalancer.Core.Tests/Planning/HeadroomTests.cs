using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Planning;

public sealed class HeadroomTests
{
    private const long Gi = TestCluster.Gi;
    private const long Mi = TestCluster.Mi;

    /// <summary>The verdict of a snapshot as it is: every Ready node counts.</summary>
    private static HeadroomVerdict Evaluate(ClusterSnapshot snapshot)
    {
        var projection = new Projection(snapshot);
        List<int> nodes = Enumerable.Range(0, snapshot.Nodes.Count).Where(snapshot.Nodes.IsReady).ToList();
        return Headroom.Evaluate(snapshot, nodes, projection.NodeOf, projection.Initial);
    }

    private static string Shortfall(IReadOnlyDictionary<string, long> shortfall) =>
        string.Join(", ", shortfall.Select(kv => $"{kv.Key}={kv.Value}"));

    private static string NameOf(ClusterSnapshot snapshot, int node) => node < 0 ? "-" : snapshot.Nodes.Name[node];

    public sealed record Case(string Name, Func<TestCluster> Cluster, bool Survivable, string LargestNode, string Shortfall)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Case> NodeLossCases => new()
    {
        new("room everywhere: survivable",
            () => new TestCluster().Nodes(3, "n", cpu: 4000).Pod("a", "n-0", cpu: 1000).Pod("b", "n-0", cpu: 1000),
            true, "n-0", ""),
        new("the other nodes have 1000m free each, three 1000m pods fail over: one finds no room",
            () => new TestCluster().Nodes(3, "n", cpu: 4000, memory: 8 * Gi)
                .Pod("a", "n-0", cpu: 1000, memory: Gi).Pod("b", "n-0", cpu: 1000, memory: Gi).Pod("c", "n-0", cpu: 1000, memory: Gi)
                .Pod("fill-1", "n-1", cpu: 3000, memory: Gi).Pod("fill-2", "n-2", cpu: 3000, memory: Gi),
            false, "n-0", "cpu=1000, memory=1073741824, pods=1"),
        new("largest by cpu: the 8-core node fails, not the first",
            () => new TestCluster().Node("small", cpu: 2000).Node("big", cpu: 8000).Node("mid", cpu: 4000)
                .Pod("a", "big", cpu: 5000).Pod("b", "small", cpu: 100),
            false, "big", "cpu=5000, memory=134217728, pods=1"),
        new("equal cpu: largest by memory",
            () => new TestCluster().Node("a", cpu: 4000, memory: 8 * Gi).Node("b", cpu: 4000, memory: 16 * Gi).Node("c", cpu: 4000, memory: 8 * Gi),
            true, "b", ""),
        new("equal cpu and memory: the lowest index",
            () => new TestCluster().Node("x", cpu: 4000).Node("y", cpu: 4000),
            true, "x", ""),
        new("memory is the binding resource",
            () => new TestCluster().Nodes(2, "n", cpu: 4000, memory: 4 * Gi)
                .Pod("a", "n-0", cpu: 100, memory: 3 * Gi).Pod("fill", "n-1", cpu: 100, memory: 2 * Gi),
            false, "n-0", "cpu=100, memory=3221225472, pods=1"),
        new("pod slots are a resource too",
            () => new TestCluster().Node("n-0", pods: 10).Node("n-1", pods: 1)
                .Pod("a", "n-0", cpu: 10).Pod("fill", "n-1", cpu: 10),
            false, "n-0", "cpu=10, memory=134217728, pods=1"),
        new("an extended resource the other node lacks",
            () => new TestCluster().Node("gpu-0", configure: n => n.Allocatable("nvidia.com/gpu", 2)).Node("cpu-0")
                .Pod("train", "gpu-0", cpu: 100, configure: p => p.Request("nvidia.com/gpu", 1)),
            false, "gpu-0", "cpu=100, memory=134217728, pods=1, nvidia.com/gpu=1"),
        new("DaemonSet and mirror pods die with the node: not re-fitted",
            () => new TestCluster().Nodes(2, "n", cpu: 4000)
                .Pod("ds", "n-0", cpu: 3900, configure: p => p.DaemonSet("logs"))
                .Pod("mirror", "n-0", cpu: 3900, configure: p => p.Annotation("kubernetes.io/config.mirror", "x"))
                .Pod("ds-1", "n-1", cpu: 100, configure: p => p.DaemonSet("logs")),
            true, "n-0", ""),
        new("terminated pods hold nothing",
            () => new TestCluster().Nodes(2, "n", cpu: 4000).Pod("done", "n-0", cpu: 3900, configure: p => p.Phase(PodPhase.Succeeded)).Pod("fill", "n-1", cpu: 3900),
            true, "n-0", ""),
        new("the only node with room is tainted NoSchedule",
            () => new TestCluster().Nodes(2, "n", cpu: 4000).Node("t", cpu: 2000, configure: n => n.Taint("dedicated", "infra"))
                .Pod("a", "n-0", cpu: 1000).Pod("fill", "n-1", cpu: 3500),
            false, "n-0", "cpu=1000, memory=134217728, pods=1"),
        new("a tolerating pod may use the tainted node",
            () => new TestCluster().Nodes(2, "n", cpu: 4000).Node("t", cpu: 2000, configure: n => n.Taint("dedicated", "infra"))
                .Pod("a", "n-0", cpu: 1000, configure: p => p.Tolerate("dedicated", "infra")).Pod("fill", "n-1", cpu: 3500),
            true, "n-0", ""),
        new("a PreferNoSchedule taint does not block",
            () => new TestCluster().Nodes(2, "n", cpu: 4000).Node("t", cpu: 2000, configure: n => n.Taint("soft", "x", TaintEffect.PreferNoSchedule))
                .Pod("a", "n-0", cpu: 1000).Pod("fill", "n-1", cpu: 3500),
            true, "n-0", ""),
        new("nodeSelector matches only the full node",
            () => new TestCluster().Node("n-0", cpu: 4000, configure: n => n.Label("pool", "a")).Node("n-1", cpu: 4000, configure: n => n.Label("pool", "a")).Node("n-2", cpu: 2000, configure: n => n.Label("pool", "b"))
                .Pod("a", "n-0", cpu: 1000, configure: p => p.NodeSelector("pool", "a")).Pod("fill", "n-1", cpu: 3500),
            false, "n-0", "cpu=1000, memory=134217728, pods=1"),
        new("required node affinity is honoured too",
            () => new TestCluster().Node("n-0", cpu: 4000, configure: n => n.Label("pool", "a")).Node("n-1", cpu: 2000, configure: n => n.Label("pool", "b"))
                .Pod("a", "n-0", cpu: 1000, configure: p => p.RequireNodeLabelIn("pool", "b", "c")),
            true, "n-0", ""),
        new("a cordoned node takes nothing",
            () => new TestCluster().Node("n-0", cpu: 4000).Node("n-1", cpu: 4000, configure: n => n.Unschedulable()).Pod("a", "n-0", cpu: 1000),
            false, "n-0", "cpu=1000, memory=134217728, pods=1"),
        new("a NotReady node is not counted",
            () => new TestCluster().Node("n-0", cpu: 4000).Node("n-1", cpu: 8000, configure: n => n.NotReady()).Node("n-2", cpu: 2000).Pod("a", "n-0", cpu: 1000),
            true, "n-0", ""),
        new("first-fit-decreasing: 2000m goes first and takes the 3000m node, one 1500m pod is left over",
            () => new TestCluster().Node("n-0", cpu: 8000).Node("n-1", cpu: 3000).Node("n-2", cpu: 2000)
                .Pod("small-1", "n-0", cpu: 1500, memory: 0).Pod("big", "n-0", cpu: 2000, memory: 0).Pod("small-2", "n-0", cpu: 1500, memory: 0),
            false, "n-0", "cpu=1500, pods=1"),
        new("a single node: nothing is left to fail over to",
            () => new TestCluster().Node("solo").Pod("a", "solo", cpu: 100),
            false, "solo", "cpu=100, memory=134217728, pods=1"),
    };

    [Theory]
    [MemberData(nameof(NodeLossCases))]
    public void Node_loss(Case c)
    {
        ClusterSnapshot snapshot = c.Cluster().Build();

        HeadroomVerdict verdict = Evaluate(snapshot);

        Assert.Equal(c.LargestNode, NameOf(snapshot, verdict.LargestNode));
        Assert.Equal(c.Shortfall, Shortfall(verdict.NodeShortfall));
        Assert.Equal(c.Survivable, verdict.NodeLossSurvivable);
    }

    [Fact]
    public void Without_zone_labels_the_zone_verdict_is_null()
    {
        HeadroomVerdict verdict = Evaluate(new TestCluster().Nodes(3, "n").Pod("a", "n-0").Build());

        Assert.Null(verdict.ZoneLossSurvivable);
        Assert.Null(verdict.WorstZone);
        Assert.Empty(verdict.ZoneShortfall);
    }

    [Fact]
    public void Losing_the_largest_zone_refits_its_pods_onto_the_other_zones()
    {
        // Zone a: 2 × 4 cores (largest); zone b: 1 × 4 cores with 2500m free; c: 1 × 2 cores with 1000m free.
        ClusterSnapshot snapshot = new TestCluster()
            .Nodes(2, "a", cpu: 4000, configure: n => n.Label(Headroom.ZoneLabel, "zone-a"))
            .Node("b-0", cpu: 4000, configure: n => n.Label(Headroom.ZoneLabel, "zone-b"))
            .Node("c-0", cpu: 2000, configure: n => n.Label(Headroom.ZoneLabel, "zone-c"))
            .Pod("a1", "a-0", cpu: 2000, memory: 0).Pod("a2", "a-1", cpu: 1000, memory: 0).Pod("a3", "a-1", cpu: 800, memory: 0)
            .Pod("b", "b-0", cpu: 1500, memory: 0).Pod("c", "c-0", cpu: 1000, memory: 0)
            .Build();

        HeadroomVerdict verdict = Evaluate(snapshot);

        Assert.Equal("zone-a", verdict.WorstZone);
        Assert.False(verdict.ZoneLossSurvivable);

        // 2000 → b-0 (500 left); 1000 → c-0 (0 left); 800 → nowhere.
        Assert.Equal("cpu=800, pods=1", Shortfall(verdict.ZoneShortfall));
        Assert.True(verdict.NodeLossSurvivable);
        Assert.Equal("a-0", NameOf(snapshot, verdict.LargestNode));
    }

    [Fact]
    public void A_zone_loss_with_room_elsewhere_is_survivable_and_nodes_without_a_zone_take_pods()
    {
        ClusterSnapshot snapshot = new TestCluster()
            .Node("a-0", cpu: 4000, configure: n => n.Label(Headroom.ZoneLabel, "zone-a"))
            .Node("plain", cpu: 8000)
            .Pod("a1", "a-0", cpu: 3000)
            .Build();

        HeadroomVerdict verdict = Evaluate(snapshot);

        Assert.Equal("zone-a", verdict.WorstZone);
        Assert.True(verdict.ZoneLossSurvivable);
        Assert.Empty(verdict.ZoneShortfall);
    }

    [Fact]
    public void Zones_of_equal_size_tie_on_the_name()
    {
        ClusterSnapshot snapshot = new TestCluster()
            .Node("n-0", configure: n => n.Label(Headroom.ZoneLabel, "zone-b"))
            .Node("n-1", configure: n => n.Label(Headroom.ZoneLabel, "zone-a"))
            .Build();

        Assert.Equal("zone-a", Evaluate(snapshot).WorstZone);
    }

    [Fact]
    public void A_selector_feasible_on_few_nodes_scans_only_those()
    {
        // 64 nodes, one in pool gpu: the sparse path must still find it, and find nothing once it is full.
        TestCluster cluster = new TestCluster().Node("big", cpu: 64_000).Nodes(62, "n", cpu: 4000).Node("gpu", cpu: 4000, configure: n => n.Label("pool", "gpu"));
        cluster.Pod("g1", "big", cpu: 3000, memory: 0, configure: p => p.NodeSelector("pool", "gpu"))
            .Pod("g2", "big", cpu: 2000, memory: 0, configure: p => p.NodeSelector("pool", "gpu"));

        HeadroomVerdict verdict = Evaluate(cluster.Build());

        Assert.Equal("cpu=2000, pods=1", Shortfall(verdict.NodeShortfall));
    }

    [Fact]
    public void The_planner_reports_headroom_before_and_after_the_plan()
    {
        // n-0 is the largest node. Before the plan n-1 and n-2 have 500m free each, so its 1000m pod has nowhere to go.
        // RemoveDuplicates moves one of two web replicas (pinned to pool small) from n-1 to n-2: n-1 then has 1000m free.
        ClusterSnapshot snapshot = new TestCluster()
            .Node("n-0", cpu: 3000, configure: n => n.Label("pool", "big"))
            .Node("n-1", cpu: 2000, configure: n => n.Label("pool", "small"))
            .Node("n-2", cpu: 2000, configure: n => n.Label("pool", "small"))
            .Pod("solo", "n-0", cpu: 1000, memory: 0, configure: p => p.Owner("ReplicaSet", "solo"))
            .ReplicaSetPods("web", ["n-1", "n-1"], cpu: 500, memory: 0, configure: p => p.NodeSelector("pool", "small"))
            .Pod("fill-1", "n-1", cpu: 500, memory: 0, configure: p => p.Owner("ReplicaSet", "fill-1"))
            .Pod("fill-2", "n-2", cpu: 1500, memory: 0, configure: p => p.Owner("ReplicaSet", "fill-2"))
            .Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));

        Assert.Equal(["web-1"], plan.EvictedNames());
        Assert.NotNull(plan.HeadroomBefore);
        Assert.NotNull(plan.HeadroomAfter);
        Assert.Equal("n-0", NameOf(snapshot, plan.HeadroomBefore.LargestNode));
        Assert.False(plan.HeadroomBefore.NodeLossSurvivable);
        Assert.Equal("cpu=1000, pods=1", Shortfall(plan.HeadroomBefore.NodeShortfall));
        Assert.True(plan.HeadroomAfter.NodeLossSurvivable);
        Assert.Empty(plan.HeadroomAfter.NodeShortfall);
    }

    [Fact]
    public void A_plan_without_considered_nodes_has_no_verdict()
    {
        ClusterSnapshot snapshot = new TestCluster().Node("n-0", configure: n => n.NotReady()).Build();

        Plan plan = TestPlanner.Plan(snapshot, new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));

        Assert.Null(plan.HeadroomBefore);
        Assert.Null(plan.HeadroomAfter);
    }

    [Fact]
    public void Large_clusters_with_room_survive_node_and_zone_loss()
    {
        // 5,000 nodes in 3 zones and 150,000 pods: each zone loss re-fits about 50,000 pods.
        string[] zones = ["z-a", "z-b", "z-c"];
        var cluster = new TestCluster();
        for (int n = 0; n < 5000; n++)
        {
            string zone = zones[n % 3];
            cluster.Node($"node-{n}", cpu: 32_000, memory: 128 * Gi, pods: 110, configure: b => b.Label(Headroom.ZoneLabel, zone));
        }

        for (int p = 0; p < 150_000; p++)
        {
            int kind = p % 7;
            cluster.Pod($"p-{p}", $"node-{p % 5000}", cpu: 100 + (kind * 150), memory: (256 + (kind * 300)) * Mi,
                configure: b => b.Owner("ReplicaSet", $"rs-{kind}"));
        }

        ClusterSnapshot snapshot = cluster.Build();
        var projection = new Projection(snapshot);
        List<int> nodes = Enumerable.Range(0, snapshot.Nodes.Count).ToList();
        // Its cost is measured by PlannerBenchmarks (every plan evaluates it), not here: a unit test does not time code.
        HeadroomVerdict verdict = Headroom.Evaluate(snapshot, nodes, projection.NodeOf, projection.Initial);

        Assert.True(verdict.NodeLossSurvivable);
        Assert.True(verdict.ZoneLossSurvivable);
        Assert.Empty(verdict.ZoneShortfall);
    }
}
