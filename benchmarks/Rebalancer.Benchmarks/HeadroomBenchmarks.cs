using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Snapshots;

namespace Rebalancer.Benchmarks;

/// <summary>
/// The N-1 headroom evaluation every plan makes twice (before and after): the largest node lost (the baseline, which
/// Consolidation's guard also runs), and the node plus every zone lost in turn, on the synthetic clusters (3 zones).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 9)]
public class HeadroomBenchmarks
{
    private ClusterSnapshot _snapshot = null!;
    private List<int> _nodes = null!;
    private long[] _requested = null!;
    private Projection _projection = null!;
    private StaticFitIndex _staticFit = null!;

    [Params(15_000, 150_000)]
    public int Pods { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = SnapshotLoader.Load(BenchmarkData.GetCompactFile(Pods)).Snapshot;
        _projection = new Projection(_snapshot);
        _requested = _projection.Initial;
        _nodes = [.. Enumerable.Range(0, _snapshot.Nodes.Count).Where(_snapshot.Nodes.IsReady)];
        _staticFit = new StaticFitIndex(_snapshot);
        HeadroomVerdict verdict = Zones();
        if (verdict.Zones.Count < 2)
        {
            throw new InvalidOperationException($"the synthetic cluster has {verdict.Zones.Count} zone(s): the benchmark would measure nothing");
        }
    }

    [Benchmark(Baseline = true, Description = "largest node lost")]
    public HeadroomVerdict NodeOnly() =>
        Headroom.Evaluate(_snapshot, _nodes, _projection.PodsOn, _requested, new HeadroomOptions(IncludeZone: false, StaticFit: _staticFit));

    [Benchmark(Description = "largest node and each zone lost")]
    public HeadroomVerdict Zones() =>
        Headroom.Evaluate(_snapshot, _nodes, _projection.PodsOn, _requested, new HeadroomOptions(StaticFit: _staticFit));
}
