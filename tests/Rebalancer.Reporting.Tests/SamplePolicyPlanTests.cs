namespace Rebalancer.Reporting.Tests;

/// <summary>
/// Regressions of the shipped sample (samples/demo-cluster.json with samples/policy.yaml), as a new user meets it. Issue
/// #16: Consolidation re-placed its drains best-fit, moving five pods onto one memory node (95.7% cpu afterwards), which
/// a default kube-scheduler would never do, and left the drained nodes schedulable so their pods could come back.
/// </summary>
public sealed class SamplePolicyPlanTests
{
    [Fact]
    public void Consolidation_Should_NotPilePodsOntoOneNode_When_TheSchedulerSpreadsThem()
    {
        ReportConsolidation consolidation = SamplePlans.DemoReport.Consolidation!;

        Assert.NotEmpty(consolidation.Drained);
        var perTarget = consolidation.Drained.SelectMany(d => d.Moves).GroupBy(m => m.TargetNode).ToList();
        Assert.True(perTarget.Count >= 2, "the moved pods should spread over several nodes");
        Assert.All(perTarget, g => Assert.True(g.Count() <= 2, $"{g.Key} receives {g.Count()} of the drained pods"));
    }

    [Fact]
    public void The_plan_Should_RaiseNoNodeAboveEightyPercentCpu()
    {
        foreach (NodeUtilization node in SamplePlans.DemoReport.Utilization.Where(u => u.Changed && !u.Drained))
        {
            if (node.After.Cpu > node.Before.Cpu)
            {
                Assert.True(node.After.Cpu <= 80, $"{node.Node}: cpu {node.Before.Cpu}% → {node.After.Cpu}%");
            }
        }
    }

    [Fact]
    public void Every_drained_node_Should_BeCordonedBeforeTheFirstEviction()
    {
        PlanReport report = SamplePlans.DemoReport;

        Assert.Equal(report.Consolidation!.Drained.Select(d => d.Node), report.Cordons.Select(c => c.Node));
        Assert.All(report.Cordons, c => Assert.Equal(("Consolidation", "to cordon"), (c.Plugin, c.Cordon.Describe())));
        Assert.DoesNotContain(report.Warnings, w => w.Message.Contains("cordon is off", StringComparison.Ordinal));
    }

    [Fact]
    public void The_report_Should_NameTheSchedulerItAssumed()
    {
        ReportScheduler scheduler = SamplePlans.DemoReport.Scheduler;

        Assert.True(scheduler.IsDefault);
        Assert.Equal("kube-scheduler default (v1.29-v1.32)", scheduler.Name);
        Assert.Equal(
            ["TaintToleration", "NodeAffinity", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity", "NodeResourcesBalancedAllocation", "ImageLocality"],
            scheduler.Plugins.Select(p => p.Name));
        Assert.Equal([3, 2, 1, 2, 2, 1, 1], scheduler.Plugins.Select(p => p.Weight));
    }
}
