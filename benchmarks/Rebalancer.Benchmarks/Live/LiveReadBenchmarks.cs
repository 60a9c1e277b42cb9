using BenchmarkDotNet.Attributes;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Benchmarks.Live;

/// <summary>
/// Reading a cluster from the in-process test API server through <see cref="ClusterReader"/> (paged LISTs at limit
/// 500, then metrics.k8s.io), against two baselines in the same run: the same GETs with the bodies read and not parsed
/// (the floor of any HTTP reader), and <see cref="SnapshotLoader"/> on the file the server was loaded from (the same
/// objects without HTTP). The server runs in this process, so allocations and CPU include its side (serialising each
/// page): the raw-GET row is that cost plus the transfer, and the reader's own cost is its difference from that row.
/// Runs in-process (the server is started once per size and kept), so it needs no child project build.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessMonitoringConfig))]
public class LiveReadBenchmarks
{
    private TestApiServer _server = null!;
    private KubernetesConnection _connection = null!;
    private HttpClient _http = null!;
    private string _file = string.Empty;

    [ParamsSource(nameof(PodCounts))]
    public int Pods { get; set; }

    /// <summary>15k and 150k pods, or the comma-separated sizes in <c>REBALANCER_LIVE_PODS</c> (e.g. <c>15000</c>: loading
    /// 150k pods into the test server alone takes ~45 s and ~6 GB).</summary>
    public static IEnumerable<int> PodCounts =>
        Environment.GetEnvironmentVariable("REBALANCER_LIVE_PODS") is { Length: > 0 } sizes
            ? sizes.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))
            : [15_000, 150_000];

    [GlobalSetup]
    public void Setup()
    {
        _file = BenchmarkData.GetFile(Pods);
        _server = LiveBench.Server(Pods);
        _connection = LiveBench.Connect(_server);
        _http = LiveBench.RawClient(_server);

        // Self-checks: a read that silently misses pods or metrics would be fast and meaningless.
        ClusterReadResult read = LiveBench.Read(_connection);
        Check(read.Snapshot.Pods.Count == Pods, $"ClusterReader read {read.Snapshot.Pods.Count} pods, expected {Pods}");
        Check(read.MetricsAvailable, "ClusterReader found no metrics");
        Check(read.Pages >= Pods / LiveBench.PageSize, $"only {read.Pages} pages");
        Check(LiveBench.RawGetAllPages(_http) >= read.Bytes * 9 / 10, "the raw GET read fewer bytes than ClusterReader");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // The server stays up for the other benchmarks of this size (LiveBench caches it for the process).
        _connection.Dispose();
        _http.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw GET of every page (no parsing)")]
    public long RawGet() => LiveBench.RawGetAllPages(_http);

    [Benchmark(Description = "ClusterReader.ReadAsync (limit 500 + metrics)")]
    public ClusterSnapshot ClusterReader() => LiveBench.Read(_connection).Snapshot;

    [Benchmark(Description = "SnapshotLoader.Load (same objects, from the file)")]
    public ClusterSnapshot FromFile() => SnapshotLoader.Load(_file).Snapshot;

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("LiveReadBenchmarks self-check failed: " + message);
        }
    }
}
