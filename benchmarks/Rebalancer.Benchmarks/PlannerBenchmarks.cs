using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies;
using Rebalancer.Kubernetes.Snapshots;

namespace Rebalancer.Benchmarks;

/// <summary>
/// Planning on the generated clusters (after loading): the balancing trio of the descheduler (RemoveDuplicates,
/// LowNodeUtilization, HighNodeUtilization), the whole product plan (RemoveDuplicates, LowNodeUtilization with
/// nodeFit, Consolidation, SpotRatio), and every plugin at once, against a baseline that only sums each node's
/// requests (the least any planner must do). The product plan is also measured as every run pays it: first plan on a
/// freshly loaded snapshot.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class PlannerBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
    private ClusterSnapshot _snapshot = null!;
    private ClusterSnapshot _fresh = null!;
    private PlanningSettings _balancing = null!;
    private PlanningSettings _product = null!;
    private PlanningSettings _everything = null!;

    [Params(15_000, 50_000, 150_000)]
    public int Pods { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = SnapshotLoader.Load(BenchmarkData.GetFile(Pods)).Snapshot;
        var nodeFit = DefaultEvictorSettings.Default with { NodeFit = true };
        _balancing = Settings(DefaultEvictorSettings.Default, [], [
            ("RemoveDuplicates", null),
            ("LowNodeUtilization", "thresholds: {cpu: 20, memory: 20, pods: 20}\ntargetThresholds: {cpu: 50, memory: 50, pods: 50}"),
            ("HighNodeUtilization", "thresholds: {cpu: 20, memory: 20}"),
        ]);
        _product = Settings(nodeFit, [], [
            ("RemoveDuplicates", null),
            ("LowNodeUtilization", "thresholds: {cpu: 20, memory: 20, pods: 20}\ntargetThresholds: {cpu: 50, memory: 50, pods: 50}"),
            ("Consolidation", null),
            ("SpotRatio", null),
        ]);
        _everything = Settings(DefaultEvictorSettings.Default,
            [
                ("RemovePodsViolatingInterPodAntiAffinity", null),
                ("RemovePodsViolatingNodeTaints", null),
                ("RemovePodsViolatingNodeAffinity", "nodeAffinityType: [requiredDuringSchedulingIgnoredDuringExecution]"),
                ("RemovePodsHavingTooManyRestarts", "podRestartThreshold: 5"),
                ("PodLifeTime", "maxPodLifeTimeSeconds: 864000"),
                ("RemoveFailedPods", null),
            ],
            [
                ("RemoveDuplicates", null),
                ("RemovePodsViolatingTopologySpreadConstraint", null),
                ("LowNodeUtilization", "thresholds: {cpu: 20, memory: 20, pods: 20}\ntargetThresholds: {cpu: 50, memory: 50, pods: 50}"),
            ]);

        // Self-checks: a benchmark that silently plans nothing would measure nothing.
        Check(Baseline() > 0, "the baseline summed no requests");
        Check(Balancing().Evictions.Count > 0, "the balancing plan evicts nothing");
        Plan product = Product();
        Check(product.Evictions.Count > 0, "the product plan evicts nothing");
        Check(product.Evictions.All(e => e.TargetNode >= 0 || !_snapshot.Pods.IsActive(e.Pod)), "a running pod was evicted without a target");
    }

    [Benchmark(Baseline = true, Description = "sum requests per node")]
    public long Baseline()
    {
        int resources = _snapshot.Resources.Count;
        long[] sums = new long[_snapshot.Nodes.Count * resources];
        PodTable pods = _snapshot.Pods;
        for (int p = 0; p < pods.Count; p++)
        {
            int node = pods.Node[p];
            if (node >= 0 && pods.IsActive(p))
            {
                ReadOnlySpan<long> requests = pods.RequestsOf(p);
                for (int r = 0; r < resources; r++)
                {
                    sums[(node * resources) + r] += requests[r];
                }
            }
        }

        return sums[0] + sums[^1];
    }

    [Benchmark(Description = "RemoveDuplicates + LowNodeUtilization + HighNodeUtilization")]
    public Plan Balancing() => Planner.Create(_snapshot, _balancing, Now);

    [Benchmark(Description = "RemoveDuplicates + LowNodeUtilization(nodeFit) + Consolidation + SpotRatio")]
    public Plan Product() => Planner.Create(_snapshot, _product, Now);

    /// <summary>
    /// The snapshot builds some indexes on first use (its pod label sets) and keeps them, so the other benchmarks, which
    /// share one snapshot, measure plans after the warm-up built them. Every real run plans on a new snapshot: this one
    /// gets a freshly loaded snapshot per iteration (loaded outside the measured time, from the compact form of the same
    /// file: the same snapshot, ten times quicker to set up).
    /// </summary>
    [IterationSetup(Target = nameof(ProductOnFreshSnapshot))]
    public void LoadFreshSnapshot() => _fresh = SnapshotLoader.Load(BenchmarkData.GetCompactFile(Pods)).Snapshot;

    [Benchmark(Description = "product plan, first on a fresh snapshot")]
    public Plan ProductOnFreshSnapshot() => Planner.Create(_fresh, _product, Now);

    [Benchmark(Description = "every plugin")]
    public Plan Everything() => Planner.Create(_snapshot, _everything, Now);

    /// <summary>Strategies bound from args text through the catalogue, exactly as a policy file would make them.</summary>
    private static PlanningSettings Settings(DefaultEvictorSettings evictor, (string Name, string? Args)[] deschedule, (string Name, string? Args)[] balance)
    {
        var problems = new ConfigProblems();
        List<IStrategy> Make((string Name, string? Args)[] plugins) => plugins
            .Where(p => StrategyCatalog.Entries.ContainsKey(p.Name))
            .Select(p =>
            {
                StrategyEntry entry = StrategyCatalog.Entries[p.Name];
                PolicyNode? args = p.Args is null ? null : Rebalancer.Kubernetes.Policy.PolicyFileReader.Parse(p.Args, p.Name, problems);
                var reader = new ArgsReader(args, problems, p.Name);
                IStrategy strategy = entry.Create(entry.Bind(reader));
                reader.RejectUnknown();
                return strategy;
            })
            .ToList();

        var profile = new PlanningProfile("bench", evictor, Make(deschedule), Make(balance));
        Check(!problems.Any, string.Join("; ", problems.All));
        return new PlanningSettings { Profiles = [profile] };
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("PlannerBenchmarks self-check failed: " + message);
        }
    }
}
