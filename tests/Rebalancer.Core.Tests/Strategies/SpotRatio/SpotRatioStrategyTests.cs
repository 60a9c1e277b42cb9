using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies;
using Rebalancer.Core.Strategies.SpotRatio;
using Rebalancer.Core.Tests.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.SpotRatio;

public sealed class SpotRatioStrategyTests
{
    private const string CapacityType = "karpenter.sh/capacity-type";
    private const long Gi = TestCluster.Gi;
    private const long Mi = TestCluster.Mi;

    private static readonly SpotRatioSettings NoFloor = new() { MinOnDemandReplicas = 0 };

    public sealed record Case(string Name, Func<TestCluster> Cluster, SpotRatioSettings Settings, string[] Evicted, PlanningSettings? Planning = null)
    {
        public override string ToString() => Name;
    }

    private static void Spot(NodeBuilder n) => n.Label(CapacityType, "spot");

    private static void OnDemand(NodeBuilder n) => n.Label(CapacityType, "on-demand");

    /// <summary>A pod of its own single-replica ReplicaSet (bare pods are protected by the default evictor).</summary>
    private static Action<PodBuilder> Own(string owner, Action<PodBuilder>? more = null) => p =>
    {
        p.Owner("ReplicaSet", owner);
        more?.Invoke(p);
    };

    private static LabelSelectorSpec Selector(string text)
    {
        Assert.True(LabelSelectorSpec.TryParse(text, out LabelSelectorSpec selector, out string error), error);
        return selector;
    }

    private static Plan Plan(TestCluster cluster, SpotRatioSettings settings, PlanningSettings? planning = null) =>
        TestPlanner.Plan(cluster.Build(), new SpotRatioStrategy(settings), settings: planning);

    private static string NodeName(Plan plan, int node) => node < 0 ? "-" : plan.Snapshot.Nodes.Name[node];

    // ---- Rule 3: the spot share ------------------------------------------------------------------------------------

    public static TheoryData<Case> ShareCases => new()
    {
        new("share 1.00 > 0.66: the largest pod moves to on-demand",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
                .Pod("a", "sp", cpu: 1500, configure: Own("a")).Pod("b", "sp", cpu: 1000, configure: Own("b")).Pod("c", "sp", cpu: 500, configure: Own("c")),
            NoFloor, ["a"]),
        new("share exactly at the limit: nothing moves",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
                .Pod("x", "od", cpu: 340, configure: Own("x")).Pod("y", "sp", cpu: 660, configure: Own("y")),
            NoFloor, []),
        new("equal pods move in index order until the share holds",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", cpu: 8000, configure: Spot)
                .Pod("a", "sp", cpu: 1000, configure: Own("a")).Pod("b", "sp", cpu: 1000, configure: Own("b"))
                .Pod("c", "sp", cpu: 1000, configure: Own("c")).Pod("d", "sp", cpu: 1000, configure: Own("d")),
            NoFloor, ["a", "b"]),
        new("resource memory: the largest memory request moves",
            () => new TestCluster().Node("od", memory: 16 * Gi, configure: OnDemand).Node("sp", memory: 16 * Gi, configure: Spot)
                .Pod("a", "sp", cpu: 100, memory: 4 * Gi, configure: Own("a")).Pod("b", "sp", cpu: 2000, memory: Gi, configure: Own("b")),
            NoFloor with { Resource = "memory" }, ["a"]),
        new("resource cpu on the same cluster: the largest cpu request moves",
            () => new TestCluster().Node("od", memory: 16 * Gi, configure: OnDemand).Node("sp", memory: 16 * Gi, configure: Spot)
                .Pod("a", "sp", cpu: 100, memory: 4 * Gi, configure: Own("a")).Pod("b", "sp", cpu: 2000, memory: Gi, configure: Own("b")),
            NoFloor, ["b"]),
        new("maxSpotFraction 0: everything leaves spot",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
                .Pod("a", "sp", cpu: 500, configure: Own("a")).Pod("b", "sp", cpu: 300, configure: Own("b")),
            NoFloor with { MaxSpotFraction = 0 }, ["a", "b"]),
        new("maxSpotFraction 1: nothing moves",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
                .Pod("a", "sp", cpu: 500, configure: Own("a")).Pod("b", "sp", cpu: 300, configure: Own("b")),
            NoFloor with { MaxSpotFraction = 1 }, []),
        new("DaemonSet pods count in the share but never move",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
                .Pod("ds-od", "od", cpu: 100, configure: p => p.DaemonSet("logs")).Pod("ds-sp", "sp", cpu: 100, configure: p => p.DaemonSet("logs"))
                .Pod("a", "sp", cpu: 1000, configure: Own("a")).Pod("b", "sp", cpu: 200, configure: Own("b")),
            NoFloor, ["a"]),
        new("protected pods stay on spot",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot).Pod("bare", "sp", cpu: 1000),
            NoFloor, []),
        new("a pod pinned to spot by its nodeSelector is left; the next one moves",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
                .Pod("pinned", "sp", cpu: 1000, configure: Own("pinned", p => p.NodeSelector(CapacityType, "spot")))
                .Pod("b", "sp", cpu: 500, configure: Own("b")),
            NoFloor, ["b"]),
        new("a pod that tolerates no on-demand taint is pinned too",
            () => new TestCluster().Node("od", configure: n => n.Label(CapacityType, "on-demand").Taint("dedicated", "db"))
                .Node("sp", configure: Spot).Pod("a", "sp", cpu: 1000, configure: Own("a")),
            NoFloor, []),
        new("evictableNamespaces excludes a namespace",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
                .Pod("a", "sp", cpu: 1000, configure: Own("a", p => p.Namespace("batch"))).Pod("b", "sp", cpu: 500, configure: Own("b")),
            NoFloor with { EvictableNamespaces = new NamespacesSpec([], ["batch"]) }, ["b"]),
        new("evictableNamespaces includes a namespace",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
                .Pod("a", "sp", cpu: 1000, configure: Own("a", p => p.Namespace("batch"))).Pod("b", "sp", cpu: 500, configure: Own("b")),
            NoFloor with { EvictableNamespaces = new NamespacesSpec(["batch"], []) }, ["a"]),
        new("spotNodeSelector marks more nodes as spot",
            () => new TestCluster().Node("od").Node("cheap", configure: n => n.Label("pool", "cheap")).Pod("a", "cheap", cpu: 1000, configure: Own("a")),
            NoFloor with { SpotNodeSelector = Selector("pool=cheap") }, ["a"]),
        new("without spot nodes nothing moves",
            () => new TestCluster().Node("od").Node("other", configure: n => n.Label("pool", "cheap")).Pod("a", "other", cpu: 1000, configure: Own("a")),
            NoFloor, []),
        new("only on-demand nodes are targets, however empty a spot node is",
            () => new TestCluster().Node("od", cpu: 2000, configure: OnDemand).Node("sp", configure: Spot).Node("sp-empty", cpu: 64_000, configure: Spot)
                .Pod("a", "sp", cpu: 1000, configure: Own("a")),
            NoFloor, ["a"]),
        new("cordoned on-demand nodes take nothing",
            () => new TestCluster().Node("od", configure: n => n.Label(CapacityType, "on-demand").Unschedulable()).Node("sp", configure: Spot)
                .Pod("a", "sp", cpu: 1000, configure: Own("a")),
            NoFloor, []),
        new("the total limit stops the plugin",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", cpu: 8000, configure: Spot)
                .Pod("a", "sp", cpu: 1000, configure: Own("a")).Pod("b", "sp", cpu: 1000, configure: Own("b"))
                .Pod("c", "sp", cpu: 1000, configure: Own("c")).Pod("d", "sp", cpu: 1000, configure: Own("d")),
            NoFloor, ["a"], new PlanningSettings { MaxPodsToEvictTotal = 1 }),
    };

    [Theory]
    [MemberData(nameof(ShareCases))]
    public void Spot_share(Case c) => AssertCase(c);

    // ---- Rule 2: on-demand floors ----------------------------------------------------------------------------------

    /// <summary>An on-demand node already loaded (so the share holds) and a spot node with web's replicas.</summary>
    private static TestCluster FloorCluster(int onSpot, int onDemand = 0) => new TestCluster()
        .Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
        .Pod("fill", "od", cpu: 4000, configure: Own("fill"))
        .ReplicaSetPods("web", [.. Enumerable.Repeat("sp", onSpot), .. Enumerable.Repeat("od", onDemand)], cpu: 500);

    public static TheoryData<Case> FloorCases => new()
    {
        new("3 replicas on spot, floor 1: one moves", () => FloorCluster(3), new SpotRatioSettings(), ["web-0"]),
        new("3 replicas on spot, floor 2: two move", () => FloorCluster(3), new SpotRatioSettings { MinOnDemandReplicas = 2 }, ["web-0", "web-1"]),
        new("floor above the replicas is capped at them: 2 of 2 move", () => FloorCluster(2), new SpotRatioSettings { MinOnDemandReplicas = 5 }, ["web-0", "web-1"]),
        new("a single replica has no floor", () => FloorCluster(1), new SpotRatioSettings(), []),
        new("floor already met", () => FloorCluster(2, onDemand: 1), new SpotRatioSettings(), []),
        new("minOnDemandReplicas 0 disables floors", () => FloorCluster(3), NoFloor, []),
        new("DaemonSets have no floor",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Nodes(2, "sp", configure: Spot)
                .Pod("fill", "od", cpu: 4000, configure: Own("fill"))
                .Pod("ds-0", "sp-0", cpu: 100, configure: p => p.DaemonSet("logs")).Pod("ds-1", "sp-1", cpu: 100, configure: p => p.DaemonSet("logs")),
            new SpotRatioSettings(), []),
        new("floors first, then the share: web-0 lifts the floor, big brings the share down",
            () => new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
                .ReplicaSetPods("web", ["sp", "sp"], cpu: 1000).Pod("big", "sp", cpu: 1500, configure: Own("big")),
            new SpotRatioSettings(), ["web-0", "big"]),
        new("bigger replicas move first",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
                .Pod("fill", "od", cpu: 4000, configure: Own("fill"))
                .Pod("web-a", "sp", cpu: 200, configure: p => p.Owner("ReplicaSet", "web")).Pod("web-b", "sp", cpu: 700, configure: p => p.Owner("ReplicaSet", "web")),
            new SpotRatioSettings(), ["web-b"]),
    };

    [Theory]
    [MemberData(nameof(FloorCases))]
    public void On_demand_floor(Case c) => AssertCase(c);

    // ---- Rule 1: onDemandOnly pods ---------------------------------------------------------------------------------

    public static TheoryData<Case> OnDemandOnlyCases => new()
    {
        new("a pod matching onDemandOnlySelector leaves spot",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
                .Pod("fill", "od", cpu: 4000, configure: Own("fill"))
                .Pod("db", "sp", cpu: 500, configure: Own("db", p => p.Label("tier", "db"))).Pod("web", "sp", cpu: 500, configure: Own("web")),
            NoFloor with { OnDemandOnlySelector = Selector("tier=db") }, ["db"]),
        new("a selector with set syntax",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
                .Pod("fill", "od", cpu: 4000, configure: Own("fill"))
                .Pod("db", "sp", cpu: 500, configure: Own("db", p => p.Label("tier", "db")))
                .Pod("cache", "sp", cpu: 400, configure: Own("cache", p => p.Label("tier", "cache")))
                .Pod("web", "sp", cpu: 300, configure: Own("web", p => p.Label("tier", "web"))),
            NoFloor with { OnDemandOnlySelector = Selector("tier in (db,cache)") }, ["db", "cache"]),
        new("no selector: nothing is onDemandOnly",
            () => new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
                .Pod("fill", "od", cpu: 4000, configure: Own("fill"))
                .Pod("db", "sp", cpu: 500, configure: Own("db", p => p.Label("tier", "db"))),
            NoFloor, []),
    };

    [Theory]
    [MemberData(nameof(OnDemandOnlyCases))]
    public void On_demand_only(Case c) => AssertCase(c);

    // ---- preferSpot ------------------------------------------------------------------------------------------------

    /// <summary>od-0 carries 3000m that stays, od-1 carries a (500m) and b (300m); sp is an empty 8-core spot node.</summary>
    private static TestCluster PreferCluster(Action<TestCluster>? more = null)
    {
        TestCluster cluster = new TestCluster()
            .Node("od-0", configure: OnDemand).Node("od-1", configure: OnDemand).Node("sp", cpu: 8000, configure: Spot)
            .Pod("fill", "od-0", cpu: 3000, configure: Own("fill"));
        if (more is null)
        {
            cluster.Pod("a", "od-1", cpu: 500, configure: Own("a")).Pod("b", "od-1", cpu: 300, configure: Own("b"));
        }
        else
        {
            more(cluster);
        }

        return cluster;
    }

    private static readonly SpotRatioSettings Prefer = new() { PreferSpot = true };

    public static TheoryData<Case> PreferSpotCases => new()
    {
        new("preferSpot empties the smallest on-demand node onto spot", () => PreferCluster(), Prefer, ["a", "b"]),
        new("off by default", () => PreferCluster(), new SpotRatioSettings(), []),
        new("a DaemonSet pod does not keep the node",
            () => PreferCluster(c => c.Pod("a", "od-1", cpu: 500, configure: Own("a")).Pod("ds", "od-1", cpu: 100, configure: p => p.DaemonSet("logs"))),
            Prefer, ["a"]),
        new("the floor keeps a workload's last on-demand replica: the node stays",
            () => PreferCluster(c => c.ReplicaSetPods("web", ["od-1", "od-1"], cpu: 300)),
            Prefer, []),
        new("a protected pod keeps the node",
            () => PreferCluster(c => c.Pod("a", "od-1", cpu: 500, configure: Own("a")).Pod("bare", "od-1", cpu: 300)),
            Prefer, []),
        new("an onDemandOnly pod keeps the node",
            () => PreferCluster(c => c.Pod("a", "od-1", cpu: 500, configure: Own("a")).Pod("db", "od-1", cpu: 300, configure: Own("db", p => p.Label("tier", "db")))),
            Prefer with { OnDemandOnlySelector = Selector("tier=db") }, []),
        new("not beyond the limit: 0.2 × 3800m = 760m cannot take 800m",
            () => PreferCluster(), Prefer with { MaxSpotFraction = 0.2m }, []),
        new("not when spot has no room for every pod of the node",
            () => PreferCluster(c => c.Pod("a", "od-1", cpu: 500, configure: Own("a")).Pod("huge", "od-1", cpu: 3500, memory: 0, configure: Own("huge"))
                .Pod("sp-fill", "sp", cpu: 5500, configure: Own("sp-fill"))),
            Prefer with { MaxSpotFraction = 0.9m }, []),
    };

    [Theory]
    [MemberData(nameof(PreferSpotCases))]
    public void Prefer_spot(Case c) => AssertCase(c);

    [Fact]
    public void PreferSpot_moves_pods_onto_spot_nodes_only()
    {
        Plan plan = Plan(PreferCluster(), Prefer);

        Assert.All(plan.Evictions, e => Assert.Equal("sp", NodeName(plan, e.TargetNode)));
        Assert.StartsWith("preferSpot: spot share 0.00 < 0.66 of requested cpu; emptying on-demand node od-1 (2 pod(s)) onto spot", plan.Evictions[0].Reason, StringComparison.Ordinal);
        Assert.Equal(0.2105m, plan.Spot!.FractionAfter);
    }

    // ---- Well-known labels -----------------------------------------------------------------------------------------

    public static TheoryData<string, string, bool> Labels => new()
    {
        { "karpenter.sh/capacity-type", "spot", true },
        { "karpenter.sh/capacity-type", "on-demand", false },
        { "eks.amazonaws.com/capacityType", "SPOT", true },
        { "eks.amazonaws.com/capacityType", "ON_DEMAND", false },
        { "cloud.google.com/gke-spot", "true", true },
        { "cloud.google.com/gke-preemptible", "true", true },
        { "cloud.google.com/gke-preemptible", "false", false },
        { "kubernetes.azure.com/scalesetpriority", "spot", true },
        { "kubernetes.azure.com/scalesetpriority", "regular", false },
    };

    [Theory]
    [MemberData(nameof(Labels))]
    public void Well_known_labels_mark_spot_nodes(string key, string value, bool spot)
    {
        ClusterSnapshot snapshot = new TestCluster().Node("od").Node("n", configure: n => n.Label(key, value)).Build();

        Assert.Equal([false, spot], SpotRatioStrategy.ClassifySpot(snapshot, null));
    }

    [Fact]
    public void The_spot_node_selector_is_ORed_with_the_well_known_labels()
    {
        TestCluster cluster = new TestCluster().Node("a", configure: Spot).Node("b", configure: n => n.Label("pool", "cheap")).Node("c");
        ClusterSnapshot snapshot = cluster.Build();

        Assert.Equal([true, true, false], SpotRatioStrategy.ClassifySpot(snapshot, Selector("pool=cheap").Compile(snapshot.Strings)));
    }

    // ---- Reasons, shortfall and the summary ------------------------------------------------------------------------

    [Fact]
    public void Reasons_carry_the_numbers()
    {
        Plan share = Plan(new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
            .Pod("a", "sp", cpu: 1500, configure: Own("a")).Pod("b", "sp", cpu: 1000, configure: Own("b")).Pod("c", "sp", cpu: 500, configure: Own("c")), NoFloor);
        Plan floor = Plan(FloorCluster(3), new SpotRatioSettings());
        Plan only = Plan(new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
            .Pod("fill", "od", cpu: 4000, configure: Own("fill")).Pod("db", "sp", cpu: 500, configure: Own("db", p => p.Label("tier", "db"))),
            NoFloor with { OnDemandOnlySelector = Selector("tier=db") });

        Assert.Equal("spot share 1.00 > 0.66 (3 of 3 requested cpu on spot)", share.Evictions.Single().Reason);
        Assert.Equal("od", NodeName(share, share.Evictions.Single().TargetNode));
        Assert.Equal("default/ReplicaSet web has 0 of 3 replicas on on-demand, floor 1", floor.Evictions.Single().Reason);
        Assert.Equal("pod matches onDemandOnlySelector tier=db and runs on spot node sp", only.Evictions.Single().Reason);
    }

    [Fact]
    public void A_share_just_over_the_limit_prints_enough_digits()
    {
        Assert.Equal(("0.6604", "0.6600"), SpotRatioStrategy.FormatShare(0.6604m, 0.66m));
        Assert.Equal(("0.74", "0.66"), SpotRatioStrategy.FormatShare(0.7412m, 0.66m));
    }

    [Fact]
    public void Without_on_demand_room_the_shortfall_is_reported_and_warned()
    {
        // 7800m requested, 6000m on spot: 0.77 > 0.66. Moving a (3000m) would do, but od has 200m free.
        Plan plan = Plan(new TestCluster().Node("od", cpu: 2000, configure: OnDemand).Node("sp-0", configure: Spot).Node("sp-1", configure: Spot)
            .Pod("fill", "od", cpu: 1800, configure: Own("fill"))
            .Pod("a", "sp-0", cpu: 3000, configure: Own("a")).Pod("b", "sp-1", cpu: 3000, configure: Own("b")), NoFloor);

        Assert.Empty(plan.Evictions);
        Assert.Equal([SkipReasons.NodeFit], plan.SkipReasonsOf("a"));
        Assert.Empty(plan.SkipReasonsOf("b"));
        SpotSummary spot = plan.Spot!;
        Assert.Equal(3000, spot.ShortfallCpuMilli);
        Assert.Equal(128 * Mi, spot.ShortfallMemory);
        Assert.Equal(0.7692m, spot.FractionBefore);
        Assert.Equal(0.7692m, spot.FractionAfter);
        PlanWarning warning = Assert.Single(plan.Warnings);
        Assert.Equal(SpotRatioStrategy.PluginName, warning.Plugin);
        Assert.StartsWith("on-demand capacity is short by 3 cpu and 128Mi memory: 1 pod(s) that must leave spot found no room", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_floor_without_on_demand_room_is_a_shortfall_too()
    {
        Plan plan = Plan(new TestCluster().Node("od", cpu: 1000, configure: OnDemand).Node("sp", cpu: 8000, configure: Spot)
            .Pod("fill", "od", cpu: 900, configure: Own("fill"))
            .ReplicaSetPods("web", ["sp", "sp", "sp"], cpu: 500, memory: 256 * Mi), new SpotRatioSettings { MaxSpotFraction = 1 });

        Assert.Empty(plan.Evictions);
        Assert.Equal(500, plan.Spot!.ShortfallCpuMilli);
        Assert.Equal(256 * Mi, plan.Spot.ShortfallMemory);
        OnDemandShortfall below = Assert.Single(plan.Spot.BelowFloorAfter);
        Assert.Equal((3, 0, 1), (below.Replicas, below.OnDemand, below.Floor));
    }

    [Fact]
    public void A_share_held_up_by_protected_pods_is_warned()
    {
        Plan plan = Plan(new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot).Pod("bare", "sp", cpu: 1000), NoFloor);

        PlanWarning warning = Assert.Single(plan.Warnings);
        Assert.Equal("spot share stays 1.00 > 0.66 of requested cpu (1 of 1): the pods left on spot are protected, not evictable or pinned to spot", warning.Message);
        Assert.Equal(0, plan.Spot!.ShortfallCpuMilli);
    }

    [Fact]
    public void The_summary_has_the_share_and_the_floors_before_and_after()
    {
        Plan plan = Plan(FloorCluster(3), new SpotRatioSettings());

        SpotSummary spot = plan.Spot!;
        Assert.Equal("cpu", spot.Resource);
        Assert.Equal(0.66m, spot.MaxSpotFraction);
        Assert.Equal(0.2727m, spot.FractionBefore); // 1500 of 5500
        Assert.Equal(0.1818m, spot.FractionAfter); // 1000 of 5500
        OnDemandShortfall before = Assert.Single(spot.BelowFloorBefore);
        StringTable strings = plan.Snapshot.Strings;
        Assert.Equal(("default", "ReplicaSet", "web", 3, 0, 1),
            (strings[before.Namespace], strings[before.OwnerKind], strings[before.OwnerName], before.Replicas, before.OnDemand, before.Floor));
        Assert.Empty(spot.BelowFloorAfter);
        Assert.Equal((0L, 0L), (spot.ShortfallCpuMilli, spot.ShortfallMemory));
    }

    [Fact]
    public void Nothing_to_do_is_a_note_and_still_a_summary()
    {
        Plan plan = Plan(new TestCluster().Node("od", configure: OnDemand).Node("sp", configure: Spot)
            .Pod("x", "od", cpu: 500, configure: Own("x")).Pod("y", "sp", cpu: 500, configure: Own("y")), new SpotRatioSettings());

        Assert.Empty(plan.Evictions);
        Assert.Empty(plan.Warnings);
        Assert.Equal("spot share 0.50 <= 0.66 of requested cpu, every workload meets its on-demand floor and no onDemandOnly pod runs on spot: nothing to do", Assert.Single(plan.Notes).Message);
        Assert.Equal(0.5m, plan.Spot!.FractionAfter);
    }

    [Fact]
    public void No_spot_nodes_is_a_note()
    {
        Plan plan = Plan(new TestCluster().Nodes(2, "n").Pod("x", "n-0", configure: Own("x")), new SpotRatioSettings());

        Assert.StartsWith("no spot nodes among the 2 considered nodes", Assert.Single(plan.Notes).Message, StringComparison.Ordinal);
        Assert.Equal(0m, plan.Spot!.FractionBefore);
    }

    [Fact]
    public void The_share_before_is_the_snapshots_and_sees_earlier_plugins_moves_after()
    {
        // A first SpotRatio run (profile order) with maxSpotFraction 0 moves everything; the second finds nothing to do
        // but reports the snapshot's share as "before".
        ClusterSnapshot snapshot = new TestCluster().Node("od", cpu: 8000, configure: OnDemand).Node("sp", configure: Spot)
            .Pod("a", "sp", cpu: 500, configure: Own("a")).Build();
        var profile = new PlanningProfile("p", DefaultEvictorSettings.Default, [],
            [new SpotRatioStrategy(NoFloor with { MaxSpotFraction = 0 }), new SpotRatioStrategy(NoFloor)]);

        Plan plan = Planner.Create(snapshot, new PlanningSettings { Profiles = [profile] }, TestPlanner.Now);

        Assert.Equal(["a"], plan.EvictedNames());
        Assert.Equal(1m, plan.Spot!.FractionBefore);
        Assert.Equal(0m, plan.Spot.FractionAfter);
    }

    [Fact]
    public void Plans_are_deterministic()
    {
        static TestCluster Build()
        {
            var cluster = new TestCluster().Nodes(3, "od", cpu: 8000, configure: OnDemand).Nodes(5, "sp", cpu: 8000, configure: Spot);
            for (int i = 0; i < 40; i++)
            {
                cluster.Pod($"p-{i}", $"sp-{i % 5}", cpu: 100 * (1 + (i % 4)), configure: p => p.Owner("ReplicaSet", $"rs-{i % 6}").Label("tier", i % 9 == 0 ? "db" : "web"));
            }

            return cluster;
        }

        SpotRatioSettings settings = new() { OnDemandOnlySelector = Selector("tier=db"), MinOnDemandReplicas = 2 };
        Plan first = Plan(Build(), settings);
        Plan second = Plan(Build(), settings);

        Assert.NotEmpty(first.Evictions);
        Assert.Equal(first.Evictions.Select(e => (e.Pod, e.TargetNode, e.Reason)), second.Evictions.Select(e => (e.Pod, e.TargetNode, e.Reason)));
        SpotSummary a = first.Spot!;
        SpotSummary b = second.Spot!;
        Assert.Equal(a, b with { BelowFloorBefore = a.BelowFloorBefore, BelowFloorAfter = a.BelowFloorAfter });
        Assert.Equal(a.BelowFloorBefore, b.BelowFloorBefore);
        Assert.True(a.FractionAfter <= 0.66m);
        Assert.Empty(a.BelowFloorAfter);
    }

    private static void AssertCase(Case c)
    {
        Plan plan = Plan(c.Cluster(), c.Settings, c.Planning);

        Assert.Equal(c.Evicted, plan.EvictedNames());
        Assert.All(plan.Evictions, e => Assert.Equal(SpotRatioStrategy.PluginName, e.Plugin));
        Assert.NotNull(plan.Spot);
    }

    // ---- Settings --------------------------------------------------------------------------------------------------

    [Fact]
    public void Bind_Should_UseTheDefaults()
    {
        (SpotRatioSettings settings, string[] problems) = Bind("{}");

        Assert.Empty(problems);
        Assert.Equal(new SpotRatioSettings(), settings);
        Assert.Equal(0.66m, settings.MaxSpotFraction);
        Assert.Equal("cpu", settings.Resource);
        Assert.Equal(1, settings.MinOnDemandReplicas);
        Assert.Null(settings.OnDemandOnlySelector);
        Assert.Null(settings.SpotNodeSelector);
        Assert.False(settings.PreferSpot);
    }

    [Fact]
    public void Bind_Should_ReadEveryArgument()
    {
        (SpotRatioSettings settings, string[] problems) = Bind("""
            {"maxSpotFraction": 0.5, "resource": "memory", "minOnDemandReplicas": 2, "onDemandOnlySelector": "tier in (db,cache)",
             "spotNodeSelector": {"matchLabels": {"pool": "cheap"}}, "preferSpot": true, "evictableNamespaces": {"exclude": ["kube-system"]}}
            """);

        Assert.Empty(problems);
        Assert.Equal(0.5m, settings.MaxSpotFraction);
        Assert.Equal("memory", settings.Resource);
        Assert.Equal(2, settings.MinOnDemandReplicas);
        Assert.Equal("tier in (db,cache)", settings.OnDemandOnlySelector!.ToString());
        Assert.Equal("pool=cheap", settings.SpotNodeSelector!.ToString());
        Assert.True(settings.PreferSpot);
        Assert.Equal(["kube-system"], settings.EvictableNamespaces.Exclude);
    }

    [Theory]
    [InlineData("""{"maxSpotFraction": 1.5}""", "args.maxSpotFraction: 1.5 is not in [0, 1]")]
    [InlineData("""{"maxSpotFraction": "0.5"}""", "args.maxSpotFraction: '0.5' is not a number")]
    [InlineData("""{"resource": "gpu"}""", "args.resource: 'gpu' is not one of cpu, memory")]
    [InlineData("""{"minOnDemandReplicas": -1}""", "args.minOnDemandReplicas: -1 is not in [0, 2147483647]")]
    [InlineData("""{"spotNodeSelector": "pool in cheap"}""", "args.spotNodeSelector: 'pool in cheap' is not a valid label selector: 'pool in cheap': values must be in parentheses")]
    [InlineData("""{"onDemandOnlySelector": ["tier=db"]}""", "args.onDemandOnlySelector: must be a label selector string such as 'node-pool=spot' or a mapping with matchLabels / matchExpressions")]
    [InlineData("""{"preferSpot": "yes"}""", "args.preferSpot: 'yes' is not a boolean (true or false)")]
    [InlineData("""{"maxSpotRatio": 0.5}""", "args.maxSpotRatio: unknown field 'maxSpotRatio' (known: evictableNamespaces, maxSpotFraction, minOnDemandReplicas, onDemandOnlySelector, preferSpot, resource, spotNodeSelector); did you mean 'maxSpotFraction'?")]
    public void Bind_Should_ReportProblemsWithTheirPaths(string json, string expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal([expected], problems);
    }

    [Fact]
    public void The_catalog_knows_the_plugin_as_a_balance_plugin()
    {
        StrategyEntry entry = StrategyCatalog.Entries[SpotRatioStrategy.PluginName];

        Assert.Equal([ExtensionPoint.Balance], entry.Points);
        Assert.IsType<SpotRatioStrategy>(entry.Create(new SpotRatioSettings()));
    }

    private static (SpotRatioSettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        SpotRatioSettings settings = SpotRatioSettings.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }
}
