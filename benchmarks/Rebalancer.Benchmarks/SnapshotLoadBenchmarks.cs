using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Snapshots.Compact;

namespace Rebalancer.Benchmarks;

/// <summary>
/// Loading one kubectl-shaped snapshot file (nodes, pods, PDBs, namespaces, priority classes, then node and pod metrics)
/// three ways: a bare Utf8JsonReader pass (the floor), Rebalancer's <see cref="SnapshotLoader"/>, and KubernetesClient's
/// model types; and the same cluster saved as a compact snapshot (<see cref="CompactSnapshot"/>), loaded, beside a bare
/// read of that file's bytes (its floor). Files are generated once by <see cref="BenchmarkData"/> (30 pods per node,
/// ~5 KB of JSON per pod).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SnapshotLoadBenchmarks
{
    private string _path = string.Empty;
    private readonly byte[] _buffer = new byte[1 << 20];

    [Params(15_000, 50_000, 150_000)]
    public int Pods { get; set; }

    [GlobalSetup(Target = nameof(Baseline))]
    public void SetupBaseline()
    {
        _path = BenchmarkData.GetFile(Pods);
        int pods = JsonScan.CountPods(_path);
        Check(pods == Pods, $"the file holds {pods} pods, expected {Pods}");
        long tokens = Baseline();
        Check(tokens > Pods * 100L, $"only {tokens} tokens for {Pods} pods");
    }

    [GlobalSetup(Target = nameof(Rebalancer))]
    public void SetupRebalancer()
    {
        _path = BenchmarkData.GetFile(Pods);
        ClusterSnapshot snapshot = Rebalancer();
        Check(snapshot.Pods.Count == Pods, $"SnapshotLoader read {snapshot.Pods.Count} pods, expected {Pods}");
        Check(snapshot.Nodes.Count == BenchmarkData.NodesFor(Pods), $"SnapshotLoader read {snapshot.Nodes.Count} nodes");
        Check(snapshot.Pdbs.Count > 0, "SnapshotLoader read no PodDisruptionBudgets");
    }

    [GlobalSetup(Target = nameof(KubernetesClient))]
    public void SetupKubernetesClient()
    {
        _path = BenchmarkData.GetFile(Pods);
        KubernetesObjects objects = KubernetesClient();
        Check(objects.Pods.Count == Pods, $"KubernetesClient read {objects.Pods.Count} pods, expected {Pods}");
        Check(objects.Nodes.Count == BenchmarkData.NodesFor(Pods), $"KubernetesClient read {objects.Nodes.Count} nodes");
        Check(objects.PodMetrics.Count > 0, "KubernetesClient read no PodMetrics");
    }

    [GlobalSetup(Target = nameof(Compact))]
    public void SetupCompact()
    {
        _path = BenchmarkData.GetCompactFile(Pods);
        ClusterSnapshot snapshot = Compact();
        ClusterSnapshot fromJson = SnapshotLoader.Load(BenchmarkData.GetFile(Pods)).Snapshot;
        Check(snapshot.Pods.Count == Pods && snapshot.Nodes.Count == fromJson.Nodes.Count && snapshot.Pdbs.Count == fromJson.Pdbs.Count
            && snapshot.Strings.Count == fromJson.Strings.Count && snapshot.ConstraintSets.Length == fromJson.ConstraintSets.Length,
            "the compact snapshot does not hold what the JSON file holds");
    }

    [GlobalSetup(Target = nameof(CompactFileRead))]
    public void SetupCompactFileRead()
    {
        _path = BenchmarkData.GetCompactFile(Pods);
        Check(CompactFileRead() == new FileInfo(_path).Length, "the file read came up short");
    }

    [Benchmark(Baseline = true, Description = "Utf8JsonReader pass")]
    public long Baseline() => JsonScan.CountTokens(_path);

    [Benchmark(Description = "SnapshotLoader.Load")]
    public ClusterSnapshot Rebalancer() => SnapshotLoader.Load(_path).Snapshot;

    [Benchmark(Description = "KubernetesClient models")]
    public KubernetesObjects KubernetesClient() => KubernetesClientLoader.Load(_path);

    [Benchmark(Description = "compact: SnapshotLoader.Load")]
    public ClusterSnapshot Compact() => SnapshotLoader.Load(_path).Snapshot;

    /// <summary>The compact file's bytes through one reused 1 MiB buffer: what loading it costs at the least.</summary>
    [Benchmark(Description = "compact: read the bytes")]
    public long CompactFileRead()
    {
        using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        long total = 0;
        int read;
        while ((read = file.Read(_buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Benchmark setup check failed: " + message);
        }
    }
}
