using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Reporting.Tests;

public sealed class PlanReportTests
{
    [Fact]
    public void Counts_come_from_the_snapshot_and_the_plan()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.Mixed());
        ReportSummary summary = report.Summary;

        Assert.Equal(4, summary.Nodes);
        Assert.Equal(3, summary.ConsideredNodes); // node-3 is NotReady
        Assert.Equal(16, summary.Pods);
        Assert.Equal(15, summary.RunningPods); // job-1 Succeeded
        Assert.Equal(3, summary.Evictions);
        Assert.Equal(3, summary.Skipped);
        Assert.Equal(summary.Evictions, summary.EvictionsByPlugin.Sum(p => p.Evictions));
        Assert.Equal(summary.Skipped, summary.EvictionsByPlugin.Sum(p => p.Skipped));
        Assert.Equal(summary.Skipped, summary.SkippedByReason.Sum(r => r.Count));
        Assert.Equal(
            ["PDB", "Protected:LocalStorage", "Protected:PriorityThreshold"],
            summary.SkippedByReason.Select(r => r.Reason));
    }

    [Fact]
    public void Evictions_keep_execution_order_and_resolve_names()
    {
        Plan plan = SamplePlans.Mixed();
        PlanReport report = SamplePlans.Report(plan);

        Assert.Equal(plan.EvictedNames(), report.Evictions.Select(e => e.Name));
        ReportEviction first = report.Evictions[0];
        Assert.Equal("shop", first.Namespace);
        Assert.Equal("shop/web-2", first.Key);
        Assert.Equal(plan.Snapshot.Pods.Uid[plan.Evictions[0].Pod], first.Uid);
        Assert.Equal("node-0", first.Node);
        Assert.Equal(plan.Snapshot.Nodes.Name[plan.Evictions[0].TargetNode], first.TargetNode);
        Assert.Equal(RemoveDuplicatesStrategy.PluginName, first.Plugin);
        Assert.Null(first.Outcome);
    }

    [Fact]
    public void Skip_reasons_are_ordered_by_count_then_name()
    {
        Plan plan = SamplePlans.Mixed();
        int pod = plan.Skipped[0].Pod;
        SkippedPod Skip(string reason) => new(pod, "test", "X", reason, "detail");
        PlanReport report = SamplePlans.Report(SamplePlans.With(plan, skipped: [Skip("b"), Skip("a"), Skip("c"), Skip("c"), Skip("a")]));

        Assert.Equal([new ReasonCount("a", 2), new ReasonCount("c", 2), new ReasonCount("b", 1)], report.Summary.SkippedByReason);
    }

    [Fact]
    public void Utilization_covers_every_node_by_name_with_exact_rounding()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.Mixed());

        Assert.Equal(["node-0", "node-1", "node-2", "node-3"], report.Utilization.Select(u => u.Node));

        // node-0: 4 × 500m + 50m = 2050m of 4000m = 51.25%, rounded half away from zero (banker's rounding would give 51.2).
        NodeUtilization node0 = report.Utilization[0];
        Assert.Equal(51.3m, node0.Before.Cpu);
        Assert.Equal("51.3", node0.Before.Cpu!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // 5 pods of 110 before, 4 after (two web pods left, api-1 arrived).
        Assert.Equal(4.5m, node0.Before.Pods);
        Assert.Equal(3.6m, node0.After.Pods);
        Assert.True(node0.Changed);

        Assert.Equal(["node-0", "node-1", "node-2"], report.ChangedNodes.Select(u => u.Node));
        Assert.Equal(1, report.UnchangedNodeCount);
    }

    [Fact]
    public void Nodes_are_sorted_by_ordinal_name_not_by_snapshot_order()
    {
        Plan plan = TestPlanner.Plan(
            new TestCluster().Node("zeta").Node("Alpha").Node("alpha").Build(),
            new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));

        Assert.Equal(["Alpha", "alpha", "zeta"], SamplePlans.Report(plan).Utilization.Select(u => u.Node));
    }

    [Theory]
    [InlineData(1, 3, "33.3")]
    [InlineData(2, 3, "66.7")]
    [InlineData(1, 8, "12.5")]
    [InlineData(1, 16, "6.3")] // 6.25: half away from zero
    [InlineData(80, 100, "80.0")] // always one decimal place
    [InlineData(0, 7, "0.0")]
    [InlineData(3, 2, "150.0")] // overcommitted nodes are shown as they are
    public void Percentages_are_decimal_with_one_place(long requested, long allocatable, string expected)
    {
        decimal? percent = PlanReport.Percent([requested, 0, 0], [allocatable, 1, 1], ResourceCatalog.Cpu);

        Assert.Equal(expected, percent!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Percentage_of_nothing_allocatable_is_null()
    {
        Assert.Null(PlanReport.Percent([5, 0, 0], [0, 1, 1], ResourceCatalog.Cpu));
        Assert.Null(PlanReport.Percent([5, 0, 0], [1, 1, 1], 7));
    }

    [Fact]
    public void Plan_wide_warnings_have_no_profile_and_repeats_are_reported_once()
    {
        Plan plan = SamplePlans.Empty();
        var repeated = new PlanWarning("p", "DefaultEvictor", "same");
        PlanReport report = SamplePlans.Report(SamplePlans.With(plan, warnings: [.. plan.Warnings, repeated, repeated, repeated with { Plugin = "Other" }]));

        Assert.Equal(3, report.Warnings.Count);
        Assert.Equal(3, report.Summary.Warnings);
        Assert.Null(report.Warnings[0].Profile);
        Assert.Null(report.Warnings[0].Plugin);
        Assert.Equal(new ReportMessage("p", "DefaultEvictor", "same"), report.Warnings[1]);
        Assert.Equal("Other", report.Warnings[2].Plugin);
    }

    [Fact]
    public void Outcomes_are_attached_by_pod_index()
    {
        Plan plan = SamplePlans.Mixed();
        var outcome = new EvictionOutcome("Evicted", 1);
        PlanReport report = SamplePlans.Report(plan, new Dictionary<int, EvictionOutcome> { [plan.Evictions[1].Pod] = outcome });

        Assert.True(report.HasOutcomes);
        Assert.Null(report.Evictions[0].Outcome);
        Assert.Same(outcome, report.Evictions[1].Outcome);
        Assert.False(SamplePlans.Report(plan).HasOutcomes);
    }

    [Fact]
    public void Headroom_names_the_lost_node_and_zone_and_lists_amounts_in_resource_order()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.Sections());

        ReportHeadroomVerdict before = report.Headroom!.Before!;
        Assert.Equal("sp-0", before.Node.Failed);
        Assert.False(before.Node.Survivable);
        Assert.Equal(
            [new ReportAmount("cpu", 5000, "5"), new ReportAmount("memory", 128 * TestCluster.Mi, "128Mi"), new ReportAmount("pods", 1, "1")],
            before.Node.Shortfall);

        // Each zone is lost in turn; the verdict is the worst: both leave 8 cores without room, zone-b more memory (3 pods, not 2).
        Assert.Equal(["zone-a", "zone-b"], before.Zones.Select(z => z.Failed));
        Assert.Equal(8000, before.ZoneNamed("zone-a")!.Shortfall[0].Amount);
        Assert.Equal("zone-b", before.Zone!.Failed);
        Assert.False(before.Zone.Survivable);
        Assert.Equal(before.ZoneNamed("zone-b")!.Shortfall, before.Zone.Shortfall);
        Assert.Equal(8000, before.Zone.Shortfall[0].Amount);
        Assert.True(before.Zone.Shortfall[1].Amount > before.ZoneNamed("zone-a")!.Shortfall[1].Amount);
    }

    [Fact]
    public void Zones_as_short_as_the_worst_are_all_named()
    {
        var worst = new ReportLoss("a", false, [new ReportAmount("cpu", 2000, "2")]);
        var verdict = new ReportHeadroomVerdict(new ReportLoss("n", true, []), worst)
        {
            Zones = [worst, new ReportLoss("b", true, []), new ReportLoss("c", false, [new ReportAmount("cpu", 2000, "2")]), new ReportLoss("d", false, [new ReportAmount("cpu", 1000, "1")])],
        };

        Assert.Equal("short cpu 2 (losing a or c)", ReportFormat.ZoneLoss(verdict));
        Assert.Equal([true, false, true, false], ReportFormat.ZoneRows(new ReportHeadroom(verdict, null)).Select(r => r.WorstBefore));
        Assert.Equal("survives (any one zone)", ReportFormat.ZoneLoss(verdict with { Zone = new ReportLoss("b", true, []) }));
        Assert.Equal("-", ReportFormat.ZoneLoss(null));
    }

    [Fact]
    public void The_zone_verdict_compares_each_zone_with_itself_when_the_largest_zone_changes()
    {
        // Zone a is the largest (3 nodes) and short when lost; Consolidation drains two of its nodes, which makes zone b
        // the largest. "The largest zone" before and after would compare a with b; the rows compare a with a and b with b.
        PlanReport report = SamplePlans.Report(SamplePlans.ZoneShift());
        ReportHeadroom headroom = report.Headroom!;

        Assert.Equal("zone-a", headroom.Before!.Zone!.Failed);
        Assert.False(headroom.Before.Zone.Survivable);
        List<(string Zone, ReportLoss? Before, ReportLoss? After, bool WorstBefore, bool WorstAfter)> rows = ReportFormat.ZoneRows(headroom);
        Assert.Equal(["zone-a", "zone-b"], rows.Select(r => r.Zone));
        Assert.All(rows, r => Assert.Equal(r.Zone, r.Before!.Failed));
        Assert.All(rows, r => Assert.Equal(r.Zone, r.After!.Failed));
        Assert.True(rows[0].WorstBefore);
        Assert.Equal(2, report.Consolidation!.Drained.Count);
        Assert.Equal("survives", ReportFormat.Loss(rows[1].Before));
        Assert.False(rows[1].After!.Survivable); // zone b's loss became short: a like-for-like row shows it
        Assert.Equal("zone-b", headroom.After!.Zone!.Failed);
        Assert.True(rows[1].WorstAfter);
        Assert.Equal(
            $"short {ReportFormat.Amounts(headroom.Before.Zone.Shortfall)} (losing zone-a) → short {ReportFormat.Amounts(headroom.After.Zone.Shortfall)} (losing zone-b)",
            ReportFormat.ZoneLossChange(headroom.Before, headroom.After, "→"));
    }

    [Fact]
    public void Spot_fractions_have_four_decimal_places_and_workloads_are_resolved()
    {
        ReportSpot spot = SamplePlans.Report(SamplePlans.Sections()).Spot!;

        Assert.Equal("0.6600", spot.MaxSpotFraction.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0.7179", spot.FractionBefore.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([new ReportWorkload("shop", "ReplicaSet", "web", 3, 0, 1)], spot.BelowFloorBefore);
        Assert.Equal("shop/ReplicaSet web", spot.BelowFloorBefore[0].Key);
        Assert.Empty(spot.BelowFloorAfter);
        Assert.Equal([new ReportAmount("cpu", 2000, "2"), new ReportAmount("memory", 128 * TestCluster.Mi, "128Mi")], spot.Shortfall);
        Assert.Equal("1.0000", PlanReport.Fraction(1m).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Consolidation_has_the_gap_to_the_lower_bound_and_every_move()
    {
        ReportConsolidation consolidation = SamplePlans.Report(SamplePlans.Sections()).Consolidation!;

        Assert.Equal((4, 2, 2, 3, 0), (consolidation.NodesBefore, consolidation.NodesAfter, consolidation.LowerBound, consolidation.FirstFitDecreasing, consolidation.GapToLowerBound));
        Assert.True(consolidation.BudgetExhausted);
        Assert.Equal(4, consolidation.DrainedPods);
        Assert.Equal(["od-1", "sp-1"], consolidation.Drained.Select(d => d.Node));
        Assert.Equal(new ReportMove("shop", "web-2", "sp-0"), consolidation.Drained[1].Moves[2]);
        Assert.Equal("sp-0 (2), od-0 (1)", ReportFormat.Targets(consolidation.Drained[1], 4));
        Assert.Equal("sp-0 (2), +1 more", ReportFormat.Targets(consolidation.Drained[1], 1));
    }

    [Fact]
    public void Sections_are_null_when_the_plan_has_none()
    {
        PlanReport report = SamplePlans.Report(SamplePlans.With(SamplePlans.Sections(), withoutSections: true));

        Assert.Null(report.Headroom);
        Assert.Null(report.Spot);
        Assert.Null(report.Consolidation);
        Assert.NotNull(SamplePlans.Report(SamplePlans.Mixed()).Headroom);
        Assert.Null(SamplePlans.Report(SamplePlans.Mixed()).Spot);
    }

    [Fact]
    public void Nodes_carry_their_pool_zone_spot_and_drain_marks()
    {
        // Karpenter's nodepool wins over the instance type; the EKS node group and GKE pool are read; a node with none
        // of the labels falls back to its instance type, and one without even that has no pool.
        Plan plan = TestPlanner.Plan(
            new TestCluster()
                .Node("a", configure: n => n.Label("karpenter.sh/nodepool", "general").Label("node.kubernetes.io/instance-type", "m6i.xlarge").Label("karpenter.sh/capacity-type", "spot").Label("topology.kubernetes.io/zone", "z1"))
                .Node("b", configure: n => n.Label("eks.amazonaws.com/nodegroup", "ng-1").Label("topology.kubernetes.io/zone", "z1"))
                .Node("c", configure: n => n.Label("cloud.google.com/gke-nodepool", "pool-c").Label("cloud.google.com/gke-spot", "true"))
                .Node("d", configure: n => n.Label("node.kubernetes.io/instance-type", "m6i.large"))
                .Node("e", configure: n => n.NotReady())
                .ReplicaSetPods("web", ["a", "a"])
                .Build(),
            new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));
        plan = SamplePlans.With(plan, consolidation: new ConsolidationSummary([new DrainedNode(plan.Snapshot.Nodes.IndexOf("b"), [], 1m)], 5, 4, 1, 1, 1, 1, false));

        PlanReport report = SamplePlans.Report(plan);

        Assert.Equal(
            [("a", "general", "z1", true, true, false), ("b", "ng-1", "z1", false, true, true), ("c", "pool-c", null, true, true, false), ("d", "m6i.large", null, false, true, false), ("e", null, null, false, false, false)],
            report.Utilization.Select(u => (u.Node, u.Pool, u.Zone, u.Spot, u.Considered, u.Drained)));
    }

    [Fact]
    public void Pools_sum_requests_over_allocatable_and_leave_drained_nodes_out_after_the_plan()
    {
        // Pool p in zone z: n1 has 1000m of 4000m requested, n2 (drained) 3000m of 2000m; pool q has one empty node.
        const string Pool = "karpenter.sh/nodepool";
        const string Zone = "topology.kubernetes.io/zone";
        Plan plan = TestPlanner.Plan(
            new TestCluster()
                .Node("n1", cpu: 4000, configure: n => n.Label(Pool, "p").Label(Zone, "z"))
                .Node("n2", cpu: 2000, configure: n => n.Label(Pool, "p").Label(Zone, "z"))
                .Node("n3", cpu: 1000, configure: n => n.Label(Pool, "q"))
                .Node("n4", cpu: 1000)
                .Pod("x", "n1", cpu: 1000, configure: p => p.Owner("ReplicaSet", "x"))
                .Pod("y", "n2", cpu: 3000, configure: p => p.Owner("ReplicaSet", "y"))
                .Build(),
            new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));
        plan = SamplePlans.With(plan, consolidation: new ConsolidationSummary([new DrainedNode(plan.Snapshot.Nodes.IndexOf("n2"), [], 1m)], 4, 3, 1, 1, 1, 1, false));

        IReadOnlyList<PoolUtilization> pools = SamplePlans.Report(plan).UtilizationByPool;

        Assert.Equal([("p", "z"), ("q", null), (null, null)], pools.Select(p => (p.Pool, p.Zone)));
        PoolUtilization p = pools[0];
        Assert.Equal((2, 2, 0, 0, 1), (p.Nodes, p.ConsideredNodes, p.SpotNodes, p.ChangedNodes, p.DrainedNodes));
        Assert.Equal(66.7m, p.Before.Cpu); // (1000 + 3000) / (4000 + 2000)
        Assert.Equal(25.0m, p.After.Cpu); // n2 is gone: 1000 / 4000
        Assert.Equal(0.0m, pools[1].Before.Cpu);
        Assert.Equal(4, pools.Sum(g => g.Nodes));
    }

    [Fact]
    public void Skips_are_counted_per_plugin_run_in_run_order_then_by_count()
    {
        Plan plan = SamplePlans.Mixed();
        int pod = plan.Skipped[0].Pod;
        SkippedPod Skip(string plugin, string reason) => new(pod, "test", plugin, reason, "detail");
        PlanReport report = SamplePlans.Report(SamplePlans.With(plan, skipped: [Skip("Z", "b"), Skip(RemoveDuplicatesStrategy.PluginName, "a"), Skip("Z", "c"), Skip("Z", "c")]));

        Assert.Equal(
            [new PluginReasonCount("test", RemoveDuplicatesStrategy.PluginName, "a", 1), new PluginReasonCount("test", "Z", "c", 2), new PluginReasonCount("test", "Z", "b", 1)],
            report.SkippedByPluginAndReason);
        Assert.Equal("Z 2", ReportFormat.PluginsOf(report, "c", showProfile: false));
    }

    [Theory]
    [InlineData("0.3003", "0.3", "30.03%")] // over the limit must not print as the limit
    [InlineData("0.2996", "0.3", "29.96%")]
    [InlineData("0.3", "0.3", "30.0%")]
    [InlineData("0.5", "0.3", "50.0%")]
    public void Spot_shares_next_to_their_limit_show_the_decimals_that_tell_them_apart(string fraction, string limit, string expected) =>
        Assert.Equal(expected, ReportFormat.ShareAgainst(
            decimal.Parse(fraction, System.Globalization.CultureInfo.InvariantCulture),
            decimal.Parse(limit, System.Globalization.CultureInfo.InvariantCulture)));
}
