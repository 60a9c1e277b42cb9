using Rebalancer.Core.Evictor;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Reporting.Tests;

/// <summary>Small deterministic plans covering every part of a report.</summary>
internal static class SamplePlans
{
    public static readonly ReportContext Context = new(
        "plan",
        "samples/test-cluster.json",
        "samples/policy.yaml",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "0.1.0-test");

    private static string[] On(string node, int count) => Enumerable.Repeat(node, count).ToArray();

    /// <summary>
    /// Four nodes, one NotReady. Planned with RemoveDuplicates and an evictor whose priorityThreshold.name is not in the
    /// snapshot (a warning), it gives: 2 evictions of shop/web from node-0, 1 eviction of api from node-2 that spends
    /// its PDB and a second one the PDB blocks, a cache duplicate protected by its emptyDir, and a batch duplicate
    /// protected by its priority. DaemonSet pods and a Succeeded pod fill in the counts.
    /// </summary>
    public static Plan Mixed()
    {
        TestCluster cluster = new TestCluster()
            .Nodes(3, "node", cpu: 4000, memory: 8 * TestCluster.Gi, pods: 110)
            .Node("node-3", cpu: 2000, memory: 4 * TestCluster.Gi, pods: 30, configure: n => n.NotReady())
            .ReplicaSetPods("web", On("node-0", 4), cpu: 500, memory: 512 * TestCluster.Mi, configure: p => p.Namespace("shop"))
            .ReplicaSetPods("api", On("node-2", 3), cpu: 250, memory: 256 * TestCluster.Mi)
            .PdbAllowing("api", "api", allowed: 1)
            .Pod("cache-0", "node-1", cpu: 200, memory: TestCluster.Gi, configure: p => p.Owner("ReplicaSet", "cache").Label("app", "cache"))
            .Pod("cache-1", "node-1", cpu: 200, memory: TestCluster.Gi, configure: p => p.Owner("ReplicaSet", "cache").Label("app", "cache").EmptyDir())
            .ReplicaSetPods("batch", On("node-1", 2), cpu: 100, memory: 64 * TestCluster.Mi, configure: p => p.Priority(1000, "batch"))
            .Pod("job-1", "node-2", cpu: 1000, memory: TestCluster.Gi, configure: p => p.Owner("Job", "job").Phase(Core.Model.PodPhase.Succeeded));
        foreach (string node in new[] { "node-0", "node-1", "node-2", "node-3" })
        {
            cluster.Pod($"logs-{node}", node, cpu: 50, memory: 64 * TestCluster.Mi, configure: p => p.DaemonSet("logs").Namespace("kube-system"));
        }

        return TestPlanner.Plan(
            cluster.Build(),
            new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()),
            DefaultEvictorSettings.Default with { PriorityThresholdName = "batch-low" });
    }

    /// <summary>One ready node: the planner plans nothing and says so in a plan-wide warning.</summary>
    public static Plan Empty() => TestPlanner.Plan(
        new TestCluster().Node("solo").ReplicaSetPods("web", On("solo", 2)).Build(),
        new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));

    /// <summary>
    /// Thousands of evictions and skips with long names: 2,700 duplicates of one ReplicaSet spread from node-0, and
    /// 1,999 duplicates of another that an emptyDir protects.
    /// </summary>
    public static Plan Large()
    {
        const string ns = "a-rather-long-namespace-name-for-reports";
        TestCluster cluster = new TestCluster()
            .Nodes(10, "worker-node-in-zone-a", cpu: 1_000_000, memory: 4096 * TestCluster.Gi, pods: 10_000)
            .ReplicaSetPods("frontend-deployment-7d9f8b6c5d", On("worker-node-in-zone-a-0", 3000), cpu: 10, memory: TestCluster.Mi, configure: p => p.Namespace(ns))
            .ReplicaSetPods("stateful-cache-5f6d7c8b9a", On("worker-node-in-zone-a-1", 2000), cpu: 10, memory: TestCluster.Mi, configure: p => p.Namespace(ns).EmptyDir());
        return TestPlanner.Plan(cluster.Build(), new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()));
    }

    private static readonly Lazy<Plan> LargePlan = new(Large);

    /// <summary><see cref="Large"/>, planned once per test run (it is the slowest fixture and never modified).</summary>
    public static Plan SharedLarge => LargePlan.Value;

    /// <summary>A copy of <paramref name="plan"/> with some lists replaced, for cases the planner does not produce.</summary>
    public static Plan With(
        Plan plan,
        IReadOnlyList<PlannedEviction>? evictions = null,
        IReadOnlyList<SkippedPod>? skipped = null,
        IReadOnlyList<PlanWarning>? warnings = null,
        IReadOnlyList<PlanWarning>? notes = null) => new()
        {
            Snapshot = plan.Snapshot,
            Now = plan.Now,
            Evictions = evictions ?? plan.Evictions,
            Skipped = skipped ?? plan.Skipped,
            Warnings = warnings ?? plan.Warnings,
            Notes = notes ?? plan.Notes,
            PluginRuns = plan.PluginRuns,
            RequestedBefore = plan.RequestedBefore,
            RequestedAfter = plan.RequestedAfter,
            ConsideredNodes = plan.ConsideredNodes,
        };

    public static PlanReport Report(Plan plan, IReadOnlyDictionary<int, EvictionOutcome>? outcomes = null) =>
        PlanReport.From(plan, Context, outcomes);

    public static string Render(IReportRenderer renderer, PlanReport report)
    {
        using var writer = new StringWriter();
        renderer.Render(report, writer);
        return writer.ToString();
    }
}
