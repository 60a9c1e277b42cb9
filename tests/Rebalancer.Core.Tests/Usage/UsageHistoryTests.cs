using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Usage;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Usage;

/// <summary>The usage history model: building, lookups, coverage, resolution to snapshot pods, and the plan's warnings.</summary>
public sealed class UsageHistoryTests
{
    private static readonly DateTimeOffset End = TestPlanner.Now;

    [Fact]
    public void Rows_are_sorted_and_found_whatever_order_the_answers_came_in()
    {
        var builder = new UsageHistoryBuilder(End, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5), "http://p");
        builder.SetCpu(builder.Row("shop", "web-2", "app"), UsageStatistic.P95, 0.5);
        builder.SetMemory(builder.Row("default", "db-0", "db"), UsageStatistic.Max, 1e9);
        builder.SetCpu(builder.Row("shop", "web-1", "sidecar"), UsageStatistic.P50, 0.01);
        builder.SetCpu(builder.Row("shop", "web-1", "app"), UsageStatistic.Max, 2);

        UsageHistory history = builder.Build();

        Assert.Equal(["default/db-0/db", "shop/web-1/app", "shop/web-1/sidecar", "shop/web-2/app"],
            Enumerable.Range(0, history.Count).Select(r => $"{history.NamespaceOf(r)}/{history.PodOf(r)}/{history.ContainerOf(r)}"));
        Assert.Equal(3, history.IndexOf("shop", "web-2", "app"));
        Assert.Equal(-1, history.IndexOf("shop", "web-3", "app"));
        Assert.Equal(1..3, history.RowsOf("shop", "web-1"));
        Assert.Equal(0, history.RowsOf("shop", "web-9").GetOffsetAndLength(history.Count).Length);
        Assert.Equal(0.5, history.Cpu(3).P95);
        Assert.Null(history.Cpu(3).P50);
        Assert.Equal(288, history.ExpectedSamples);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(-0.1)]
    public void Values_that_are_not_usage_leave_the_statistic_unknown(double value)
    {
        var builder = new UsageHistoryBuilder(End, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5), "p");
        int row = builder.Row("a", "b", "c");
        builder.SetCpu(row, UsageStatistic.P95, value);
        builder.SetMemory(row, UsageStatistic.Max, value);
        builder.SetThrottlingRatio(row, value);

        UsageHistory history = builder.Build();

        Assert.Null(history.Cpu(0).P95);
        Assert.Null(history.Memory(0).Max);
        Assert.Null(history.ThrottlingRatio(0));
        Assert.Null(history.OomKills(0));
        Assert.Equal(OomKillSource.None, history.OomSourceOf(0));
    }

    [Theory]
    [InlineData(288, 1.0)]
    [InlineData(289, 1.0)] // a subquery includes both ends
    [InlineData(144, 0.5)]
    [InlineData(0, 0.0)]
    public void Coverage_is_samples_over_steps_capped_at_one(int samples, double coverage)
    {
        var builder = new UsageHistoryBuilder(End, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5), "p");
        builder.SetCpuSamples(builder.Row("a", "b", "c"), samples);

        Assert.Equal(coverage, builder.Build().CpuCoverage(0));
    }

    [Fact]
    public void Resolution_matches_rows_to_pods_and_completes_OOM_kills_from_the_pod_status()
    {
        ClusterSnapshot snapshot = new TestCluster()
            .Node("n1")
            .Pod("web-1", "n1", configure: p => p.LastTerminated("app", "OOMKilled", restarts: 3))
            .Pod("web-2", "n1", configure: p => p.LastTerminated("app", "Error"))
            .Build();
        var builder = new UsageHistoryBuilder(End, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5), "p");
        builder.Row("default", "web-1", "app");
        builder.Row("default", "web-2", "app");
        builder.SetOomKills(builder.Row("default", "web-old", "app"), 4);

        var match = new UsageHistoryMatch(builder.Build(), snapshot);

        Assert.Equal((1, OomKillSource.PodStatus), (match.OomKills(0), match.OomSourceOf(0)));
        Assert.Equal((null, OomKillSource.None), (match.OomKills(1), match.OomSourceOf(1)));
        Assert.Equal((4, OomKillSource.KubeStateMetrics), (match.OomKills(2), match.OomSourceOf(2)));
        Assert.Equal(0, match.PodOf(0));
        Assert.Equal(-1, match.PodOf(2));
        Assert.Equal(0..1, match.RowsOf(0));
        Assert.Null(match.LifetimeCoverage(2)); // a pod not in the snapshot has no known lifetime
    }

    [Fact]
    public void A_pod_that_started_mid_window_is_judged_on_its_lifetime()
    {
        ClusterSnapshot snapshot = new TestCluster()
            .Node("n1")
            .Pod("young", "n1", configure: p => p.Started(End - TimeSpan.FromHours(6)))
            .Pod("old", "n1", configure: p => p.Started(End - TimeSpan.FromDays(30)))
            .Build();
        var builder = new UsageHistoryBuilder(End, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5), "p");
        builder.SetCpuSamples(builder.Row("default", "young", "app"), 72); // 6 hours of 5-minute steps
        builder.SetCpuSamples(builder.Row("default", "old", "app"), 144);  // half a day: a gap

        var match = new UsageHistoryMatch(builder.Build(), snapshot);

        Assert.Equal(1.0, match.LifetimeCoverage(1));
        Assert.Equal(0.5, match.LifetimeCoverage(0));
        Assert.Equal(1, match.Summary.ContainersWithGaps);
        Assert.Equal(["default/old/app 50%"], match.Summary.ContainersWithGapsExamples);
        Assert.Equal(0.75, match.Summary.MedianCoverage);
    }

    [Fact]
    public void The_plan_warns_about_running_pods_without_series_gaps_and_read_problems_before_any_plugin()
    {
        ClusterSnapshot snapshot = new TestCluster()
            .Node("n1")
            .Node("n2")
            .Pod("seen", "n1", configure: p => p.Started(End - TimeSpan.FromDays(30)))
            .Pod("unseen", "n1")
            .Pod("done", "n1", configure: p => p.Phase(PodPhase.Succeeded))
            .Build();
        var builder = new UsageHistoryBuilder(End, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5), "http://prom");
        builder.SetMemorySamples(builder.Row("default", "seen", "app"), 100);
        var usage = new UsageInputs { History = builder.Build(), Warnings = ["usage history: the cpu p95 query to http://prom failed: HTTP 503"] };

        Plan plan = Planner.Create(snapshot, new PlanningSettings { Usage = usage }, End);

        Assert.Equal(
        [
            "usage history: the cpu p95 query to http://prom failed: HTTP 503",
            "usage history: 1 of 2 running pods have no usage series in http://prom (default/unseen); they have no history. Check that cAdvisor is scraped and that usageHistory.metrics and usageHistory.labels match the cluster's metric and label names",
            "usage history: 1 of 1 containers have samples for less than 80% of their pod's lifetime in the 1d window (gaps in scraping or retention: default/seen/app 35%); their statistics rest on the samples there are",
        ], plan.Warnings.Select(w => w.Message));
        Assert.All(plan.Warnings, w => Assert.Equal((string.Empty, string.Empty), (w.Profile, w.Plugin)));
        Assert.Equal((1, 2, 1), (plan.Usage!.Containers, plan.Usage.RunningPods, plan.Usage.RunningPodsWithoutSeries));
    }

    [Fact]
    public void Without_a_history_the_plan_has_no_usage_summary()
    {
        Plan plan = Planner.Create(new TestCluster().Node("n1").Node("n2").Build(), new PlanningSettings(), End);

        Assert.Null(plan.Usage);
        Assert.Empty(plan.Warnings);
    }
}
