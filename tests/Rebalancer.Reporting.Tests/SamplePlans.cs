using System.Security.Cryptography;
using System.Text;
using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.Consolidation;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Core.Strategies.SpotRatio;
using Rebalancer.Kubernetes.Policy;
using Rebalancer.Kubernetes.Snapshots;
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

    /// <summary>
    /// <see cref="SharedLarge"/> with oversized sections: 300 workloads below their on-demand floor and 500 drained nodes
    /// of 20 moves each, to check the text and Markdown reports stay short.
    /// </summary>
    public static Plan LargeSections()
    {
        Plan plan = SharedLarge;
        ClusterSnapshot snapshot = plan.Snapshot;
        int ns = snapshot.Pods.Namespace[0];
        int kind = snapshot.Strings.Find("ReplicaSet");
        int name = snapshot.Strings.Find("frontend-deployment-7d9f8b6c5d");
        List<OnDemandShortfall> workloads = Enumerable.Range(0, 300).Select(i => new OnDemandShortfall(ns, kind, name, 10 + i, 0, 1)).ToList();
        List<DrainedNode> drained = Enumerable.Range(0, 500)
            .Select(i => new DrainedNode(i % 10, Enumerable.Range(0, 20).Select(k => (k + (i * 5), (i + 1 + k) % 10)).ToList(), 1m))
            .ToList();
        return With(
            plan,
            spot: new SpotSummary("cpu", 0.66m, 0.9m, 0.8m, workloads, workloads, 123_456, 789 * TestCluster.Gi),
            consolidation: new ConsolidationSummary(drained, 10, 5, 3, 4, 10, 1_000_000, true));
    }

    /// <summary>A copy of <paramref name="plan"/> with some lists or sections replaced, for cases the planner does not produce.</summary>
    /// <param name="withoutSections">Drops headroom, spot and Consolidation (as a plan of an older planner would have none).</param>
    public static Plan With(
        Plan plan,
        IReadOnlyList<PlannedEviction>? evictions = null,
        IReadOnlyList<SkippedPod>? skipped = null,
        IReadOnlyList<PlanWarning>? warnings = null,
        IReadOnlyList<PlanWarning>? notes = null,
        SpotSummary? spot = null,
        ConsolidationSummary? consolidation = null,
        HeadroomVerdict? headroomBefore = null,
        HeadroomVerdict? headroomAfter = null,
        bool withoutSections = false) => new()
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
            Spot = withoutSections ? null : spot ?? plan.Spot,
            Consolidation = withoutSections ? null : consolidation ?? plan.Consolidation,
            HeadroomBefore = withoutSections ? null : headroomBefore ?? plan.HeadroomBefore,
            HeadroomAfter = withoutSections ? null : headroomAfter ?? plan.HeadroomAfter,
        };

    /// <summary>
    /// The optional sections: spot nodes sp-0/sp-1 and on-demand od-0/od-1 in zones a and b, planned with SpotRatio.
    /// The db pod must leave spot and finds no on-demand room (a shortfall); web, all on spot, gets one replica on
    /// on-demand. A Consolidation summary (the plugin is not run here) drains od-1 and sp-1 onto the others.
    /// </summary>
    public static Plan Sections()
    {
        const string Capacity = "karpenter.sh/capacity-type";
        const string Zone = "topology.kubernetes.io/zone";
        TestCluster cluster = new TestCluster()
            .Node("od-0", cpu: 4000, configure: n => n.Label(Capacity, "on-demand").Label(Zone, "zone-a"))
            .Node("od-1", cpu: 4000, configure: n => n.Label(Capacity, "on-demand").Label(Zone, "zone-b"))
            .Node("sp-0", cpu: 8000, configure: n => n.Label(Capacity, "spot").Label(Zone, "zone-a"))
            .Node("sp-1", cpu: 8000, configure: n => n.Label(Capacity, "spot").Label(Zone, "zone-b"))
            .Pod("fill-0", "od-0", cpu: 3000, configure: p => p.Owner("ReplicaSet", "fill-0"))
            .Pod("fill-1", "od-1", cpu: 2500, configure: p => p.Owner("ReplicaSet", "fill-1"))
            .ReplicaSetPods("web", ["sp-0", "sp-0", "sp-1"], cpu: 500, configure: p => p.Namespace("shop"))
            .Pod("batch-a", "sp-0", cpu: 5000, configure: p => p.Owner("Job", "batch-a"))
            .Pod("batch-b", "sp-1", cpu: 3000, configure: p => p.Owner("Job", "batch-b"))
            .Pod("batch-c", "sp-1", cpu: 2500, configure: p => p.Owner("Job", "batch-c"))
            .Pod("db-0", "sp-1", cpu: 2000, configure: p => p.Owner("StatefulSet", "db").Label("tier", "db"));
        Assert.True(LabelSelectorSpec.TryParse("tier=db", out LabelSelectorSpec onDemandOnly, out _));
        Plan plan = TestPlanner.Plan(cluster.Build(), new SpotRatioStrategy(new SpotRatioSettings { OnDemandOnlySelector = onDemandOnly }));

        ClusterSnapshot snapshot = plan.Snapshot;
        int Node(string name) => snapshot.Nodes.IndexOf(name);
        int Pod(string name) => snapshot.Pods.Name.IndexOf(name);
        var consolidation = new ConsolidationSummary(
            [
                new DrainedNode(Node("od-1"), [(Pod("fill-1"), Node("od-0"))], 1.0m),
                new DrainedNode(Node("sp-1"), [(Pod("batch-b"), Node("sp-0")), (Pod("batch-c"), Node("od-0")), (Pod("web-2"), Node("sp-0"))], 0.5m),
            ],
            NodesBefore: 4,
            NodesAfter: 2,
            LowerBound: 2,
            FirstFitDecreasing: 3,
            Candidates: 3,
            SearchSteps: 1234,
            BudgetExhausted: true);
        return With(plan, consolidation: consolidation);
    }

    /// <summary>
    /// Zone a (3 × 4 cores) is the largest and cannot be lost: its 3500m pod finds no room in zone b (2 × 4 cores, 3
    /// cores requested each). Consolidation drains a-0 and a-1, whose small pods go to zone b: zone b becomes the largest,
    /// and losing it is now short too. "The largest zone" before (a) and after (b) would be two different zones.
    /// </summary>
    public static Plan ZoneShift()
    {
        const string Zone = "topology.kubernetes.io/zone";
        TestCluster cluster = new TestCluster()
            .Nodes(3, "a", cpu: 4000, memory: 16 * TestCluster.Gi, configure: n => n.Label(Zone, "zone-a"))
            .Nodes(2, "b", cpu: 4000, memory: 16 * TestCluster.Gi, configure: n => n.Label(Zone, "zone-b"))
            .Pod("small-0", "a-0", cpu: 1000, configure: p => p.Owner("ReplicaSet", "small-0"))
            .Pod("small-1", "a-1", cpu: 1000, configure: p => p.Owner("ReplicaSet", "small-1"))
            .Pod("big", "a-2", cpu: 3500, configure: p => p.Owner("ReplicaSet", "big"))
            .Pod("b-pod-0", "b-0", cpu: 3000, configure: p => p.Owner("ReplicaSet", "b-pod-0"))
            .Pod("b-pod-1", "b-1", cpu: 3000, configure: p => p.Owner("ReplicaSet", "b-pod-1"));
        return TestPlanner.Plan(cluster.Build(), new ConsolidationStrategy(new ConsolidationSettings
        {
            KeepNodeLossHeadroom = false,
            MaxNodesPerRun = new IntOrPercent(2, IsPercent: false),
        }));
    }

    /// <summary>The clock of the demo plan: the one the CLI tests pin, so a report here matches `rebalancer plan --now` there.</summary>
    public static readonly DateTimeOffset DemoNow = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<PlanReport> DemoPlanReport = new(Demo);

    /// <summary>
    /// samples/demo-cluster.json planned with samples/policy.yaml, as <c>rebalancer plan --now 2026-11-27T10:00:00Z</c>
    /// plans it: 50 nodes in six pools and three zones, evictions by RemoveDuplicates, Consolidation and SpotRatio, drained
    /// nodes, a spot share over its limit. Built once per test run.
    /// </summary>
    public static PlanReport DemoReport => DemoPlanReport.Value;

    private static PlanReport Demo()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "samples");
        string policyText = File.ReadAllText(Path.Combine(directory, "policy.yaml"));
        DeschedulerPolicy policy = PolicyFileReader.LoadFromText(policyText, "samples/policy.yaml");
        SnapshotLoadResult loaded = SnapshotLoader.Load(Path.Combine(directory, "demo-cluster.json"));
        Plan plan = Planner.Create(loaded.Snapshot, policy.ToPlanningSettings(), DemoNow);

        // The digest as the CLI computes it, of the policy text; it changes (and the golden files with it) when the sample policy does.
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(policyText)));
        return PlanReport.From(plan, new ReportContext("plan", "samples/demo-cluster.json", "samples/policy.yaml", digest, "0.1.0-test"));
    }

    public static PlanReport Report(Plan plan, IReadOnlyDictionary<int, EvictionOutcome>? outcomes = null) =>
        PlanReport.From(plan, Context, outcomes);

    public static string Render(IReportRenderer renderer, PlanReport report)
    {
        using var writer = new StringWriter();
        renderer.Render(report, writer);
        return writer.ToString();
    }
}
