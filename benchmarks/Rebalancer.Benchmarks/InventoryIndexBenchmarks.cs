using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Rebalancer.Kubernetes.Snapshots;

namespace Rebalancer.Benchmarks;

/// <summary>
/// Building the pod → workload resolution (<see cref="WorkloadIndex"/>) and the volume index (<see cref="VolumeIndex"/>)
/// of a snapshot, which an analysis pays once on first use (design 0002, "Pod → workload resolution"). The snapshot is
/// the compact form of the <see cref="BenchmarkData"/> file, loaded once.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 7)]
public class InventoryIndexBenchmarks
{
    private ClusterSnapshot _snapshot = null!;

    [Params(15_000, 150_000)]
    public int Pods { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _snapshot = SnapshotLoader.Load(BenchmarkData.GetCompactFile(Pods)).Snapshot;
        WorkloadIndex index = Workloads();
        int withWorkload = Enumerable.Range(0, _snapshot.Pods.Count).Count(p => index.WorkloadOf(p) >= 0);
        if (_snapshot.Inventory.Deployments.Count == 0 || withWorkload < Pods * 9 / 10
            || index.Workloads.Any(w => w.Resolution != WorkloadResolution.InSnapshot))
        {
            throw new InvalidOperationException($"Benchmark setup check failed: {withWorkload} of {Pods} pods resolved, {index.Count} workloads");
        }
    }

    [Benchmark(Description = "WorkloadIndex")]
    public WorkloadIndex Workloads() => new(_snapshot);

    [Benchmark(Description = "VolumeIndex")]
    public VolumeIndex Volumes() => new(_snapshot);
}
