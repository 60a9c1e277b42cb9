using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Core.Usage;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Strategies.LowNodeUtilization;

/// <summary>
/// LowNodeUtilization with <c>metricsUtilization.source: Prometheus</c>, as descheduler v0.36 runs it: one value in
/// [0, 1] per node (<c>MetricResource</c> = int64(value × 100)), one eviction per overutilized node unless
/// <c>evictionLimits.node</c> says more, and every broken answer a warning with nothing evicted.
/// </summary>
public sealed class LowNodeUtilizationPrometheusTests
{
    private const string Query = "instance:node_cpu_utilisation:rate5m";

    public sealed record Case(string Name, NodeMetricQueryResult? Result, LowNodeUtilizationSettings Settings, string[] Evicted, string? Warning = null, string? Note = null, bool CordonN2 = false)
    {
        public override string ToString() => Name;
    }

    private static ResourceThresholds T(decimal percent) => new([new(LowNodeUtilizationStrategy.MetricResource, percent)]);

    private static readonly LowNodeUtilizationSettings Static30To60 = new()
    {
        Thresholds = T(30),
        TargetThresholds = T(60),
        MetricsSource = MetricsUtilizationSource.Prometheus,
        PrometheusQuery = Query,
    };

    private static NodeMetricQueryResult Vector(params (string? Instance, double Value)[] samples) =>
        new(Query, TestPlanner.Now, null, "vector", samples.Select(s => new NodeMetricSample(s.Instance, s.Value)).ToList());

    /// <summary>n1 at 80%, n2 at 10%, n3 at 70%, n4 at 50%.</summary>
    private static NodeMetricQueryResult Usual => Vector(("n1", 0.8), ("n2", 0.1), ("n3", 0.7), ("n4", 0.5));

    public static TheoryData<Case> Cases => new()
    {
        new("one pod from each overutilized node, the busiest first", Usual, Static30To60, ["a1", "c1"]),
        new("evictionLimits.node 2: two from each", Usual, Static30To60 with { NodeEvictionLimit = 2 }, ["a1", "a2", "c1", "c2"]),
        new("int64(value × 100) truncates: 0.609 is 60%, not over 60", Vector(("n1", 0.609), ("n2", 0.1), ("n3", 0.7), ("n4", 0.5)), Static30To60, ["c1"]),
        new("a node without a sample is left out, with a warning", Vector(("n1", 0.8), ("n2", 0.1), ("n3", 0.7)), Static30To60, ["a1", "c1"],
            Warning: "returned no sample for 1 node(s) (n4): they are left out of classification"),
        new("instance labels that are not node names say so", Vector(("10.0.0.1:9100", 0.8), ("10.0.0.2:9100", 0.1)), Static30To60, [],
            Warning: "must be node names"),
        new("a value above 1 skips the plugin", Vector(("n1", 1.2), ("n2", 0.1)), Static30To60, [], Warning: "returned 1.2 for n1, outside [0, 1]"),
        new("NaN skips the plugin (the descheduler lets it through)", Vector(("n1", double.NaN), ("n2", 0.1)), Static30To60, [], Warning: "returned NaN for n1, outside [0, 1]"),
        new("a sample without instance skips the plugin", Vector((null, 0.8), ("n2", 0.1)), Static30To60, [], Warning: "without an 'instance' label"),
        new("two samples for one node skip the plugin", Vector(("n1", 0.8), ("n1", 0.7), ("n2", 0.1)), Static30To60, [], Warning: "more than one sample for instance n1"),
        new("a matrix skips the plugin", new NodeMetricQueryResult(Query, TestPlanner.Now, null, "matrix", []), Static30To60, [], Warning: "returned a matrix, not a vector"),
        new("a failed query skips the plugin", NodeMetricQueryResult.Failed(Query, TestPlanner.Now, "http://p: HTTP 401: Unauthorized"), Static30To60, [],
            Warning: "failed: http://p: HTTP 401: Unauthorized; plugin skipped"),
        new("no Prometheus: the query was not run", null, Static30To60, [], Warning: "was not run: no Prometheus is configured"),
        new("deviation: 10 below and 10 above the mean of 52.5",
            Usual, Static30To60 with { UseDeviationThresholds = true, Thresholds = T(10), TargetThresholds = T(10) }, ["a1", "c1"]),
        new("a cordoned underutilized node is not a destination: nothing to do", Usual, Static30To60, [], Note: "no node is underutilized", CordonN2: true),
        new("every node underutilized: nothing to do", Vector(("n1", 0.2), ("n2", 0.1), ("n3", 0.2), ("n4", 0.3)), Static30To60, [], Note: "all nodes are underutilized"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prometheus_source_evicts_as_the_descheduler(Case c)
    {
        ClusterSnapshot snapshot = Cluster(c.CordonN2).Build();
        var usage = c.Result is null ? UsageInputs.None : new UsageInputs { NodeMetrics = new Dictionary<string, NodeMetricQueryResult> { [Query] = c.Result } };

        Plan plan = TestPlanner.Plan(snapshot, new LowNodeUtilizationStrategy(c.Settings), settings: new PlanningSettings { Usage = usage });

        Assert.Equal(c.Evicted, plan.EvictedNames());
        if (c.Warning is not null)
        {
            Assert.Contains(plan.Warnings, w => w.Plugin == LowNodeUtilizationStrategy.PluginName && w.Message.Contains(c.Warning, StringComparison.Ordinal));
        }
        else
        {
            Assert.Empty(plan.Warnings);
        }

        if (c.Note is not null)
        {
            Assert.Contains(plan.Notes, n => n.Message.Contains(c.Note, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_reason_gives_the_value_the_target_the_query_and_the_one_pod_rule()
    {
        var usage = new UsageInputs { NodeMetrics = new Dictionary<string, NodeMetricQueryResult> { [Query] = Usual } };

        Plan plan = TestPlanner.Plan(Cluster().Build(), new LowNodeUtilizationStrategy(Static30To60), settings: new PlanningSettings { Usage = usage });

        Assert.Equal(
            "node n1 overutilized: MetricResource 80% > target 60% (Prometheus query 'instance:node_cpu_utilisation:rate5m'); a pod's share is unknown, so one pod is evicted per overutilized node",
            plan.Evictions[0].Reason);
        Assert.Equal("n2", plan.Snapshot.Nodes.Name[plan.Evictions[0].TargetNode]);
    }

    /// <summary>n1 and n3 hold three ReplicaSet pods each (a1–a3, c1–c3); n2 and n4 are empty.</summary>
    private static TestCluster Cluster(bool cordonN2 = false)
    {
        var cluster = new TestCluster()
            .Node("n1")
            .Node("n2", configure: cordonN2 ? n => n.Unschedulable() : null)
            .Node("n3")
            .Node("n4");
        foreach ((string prefix, string node) in new[] { ("a", "n1"), ("c", "n3") })
        {
            for (int i = 1; i <= 3; i++)
            {
                cluster.Pod($"{prefix}{i}", node, 100, 0, p => p.Owner("ReplicaSet", "rs-" + prefix));
            }
        }

        return cluster;
    }
}
