using BenchmarkDotNet.Attributes;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Benchmarks.Live;

/// <summary>
/// Eviction throughput: <see cref="EvictionExecutor"/> sends a plan's evictions (policy/v1 Eviction, uid
/// precondition, PDB ledger re-checked before each call) to the in-process test API server, which runs the real
/// eviction path (PDB check and decrement, disruption controller, delete). Each iteration gets a fresh server holding
/// the cluster (started outside the measured time), because evicted pods are gone. Pacing is off
/// (<c>EvictionsPerSecond = 0</c>: with the default 5/s the run takes N/5 seconds by design) and the default
/// concurrency of 2 applies, so the figure is the machinery's ceiling on this machine. With <see cref="Faults"/> =
/// <c>429 10%</c> every eviction POST is answered 429 TooManyRequests (no Retry-After) at a seeded 10% rate and retried
/// with a 10 ms base backoff (the default 1 s base would add about retries × 1 s / concurrency of sleeping).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessMonitoringConfig))]
public class ExecutorBenchmarks
{
    private string _json = string.Empty;
    private Plan _plan = null!;
    private TestApiServer? _server;
    private KubernetesConnection? _connection;
    private ExecutionResult? _last;

    [Params(1_000, 5_000)]
    public int Evictions { get; set; }

    [Params("none", "429 10%")]
    public string Faults { get; set; } = "none";

    public static EvictionExecutorOptions Options => new()
    {
        EvictionsPerSecond = 0,
        MaxConcurrency = 2,
        MaxRetries = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(100),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    [GlobalSetup]
    public void Setup()
    {
        (_json, _plan) = EvictionCluster.Build(Evictions);
        IterationSetup();
        ExecutionResult result = Execute();
        IterationCleanup();
        // Self-check: every planned eviction must go through (the PDBs allow it), faults or not.
        int evicted = result.Count(EvictionOutcomeKind.Evicted);
        if (evicted < Evictions * 99 / 100 || result.Aborted)
        {
            throw new InvalidOperationException($"ExecutorBenchmarks self-check failed: {evicted} of {Evictions} evicted, abort: {result.AbortReason}");
        }
    }

    [IterationSetup]
    public void IterationSetup()
    {
        _server = TestApiServer.StartAsync(new TestApiServerOptions()).GetAwaiter().GetResult();
        _server.Store.LoadJson(_json);
        _server.Store.RecomputeAllPdbStatuses();
        if (Faults != "none")
        {
            _server.Faults.FailWith(429, "POST", "/api/v1/namespaces/*/pods/*/eviction", rate: 0.1);
        }

        _connection = LiveBench.Connect(_server);
    }

    [IterationCleanup]
    public void IterationCleanup()
    {
        if (_last is { } result)
        {
            int attempts = result.Outcomes.Sum(o => o.Attempts);
            Console.WriteLine($"// executor: {result.Count(EvictionOutcomeKind.Evicted)} evicted of {Evictions}, {attempts} attempts, {result.Outcomes.Count(o => o.Outcome == EvictionOutcomeKind.Failed)} failed");
        }

        _connection?.Dispose();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _connection = null;
        _server = null;
        _last = null;
    }

    [Benchmark(Description = "EvictionExecutor.ExecuteAsync (unpaced, concurrency 2)")]
    public ExecutionResult Execute()
    {
        var executor = new EvictionExecutor(new KubernetesEvictionApi(_connection!), Options);
        _last = executor.ExecuteAsync(_plan, CancellationToken.None).GetAwaiter().GetResult();
        return _last;
    }
}

/// <summary>
/// The executor's cluster: 50 nodes, <c>pods</c> pods in 10 namespaces and ReplicaSets of 50 (so no PDB sees more than 50
/// disruptions), every other ReplicaSet under a PDB with <c>maxUnavailable: 100%</c> (the budget path runs, never
/// blocks), and a plan evicting every pod.
/// </summary>
internal static class EvictionCluster
{
    public static (string Json, Plan Plan) Build(int pods)
    {
        var items = new List<string>();
        for (int n = 0; n < 50; n++)
        {
            items.Add($$$"""{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-{{{n}}}","labels":{"kubernetes.io/hostname":"node-{{{n}}}"}},"status":{"allocatable":{"cpu":"64","memory":"256Gi","pods":"250"},"conditions":[{"type":"Ready","status":"True"}]}}""");
        }

        for (int p = 0; p < pods; p++)
        {
            int rs = p / 50;
            string ns = "ns-" + (rs % 10);
            items.Add($$$"""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"app-{{{rs}}}-{{{p}}}","namespace":"{{{ns}}}","uid":"uid-pod-{{{p}}}","labels":{"app":"app-{{{rs}}}"},"creationTimestamp":"2025-01-01T00:00:00Z",
                 "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"app-{{{rs}}}","uid":"uid-rs-{{{rs}}}","controller":true}]},
                 "spec":{"nodeName":"node-{{{p % 50}}}","containers":[{"name":"app","image":"nginx:1.27","resources":{"requests":{"cpu":"100m","memory":"64Mi"} } }]},
                 "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}
                """);
        }

        for (int rs = 0; rs * 50 < pods; rs += 2)
        {
            items.Add($$$"""{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"app-{{{rs}}}","namespace":"ns-{{{rs % 10}}}","generation":1},"spec":{"maxUnavailable":"100%","selector":{"matchLabels":{"app":"app-{{{rs}}}"} } } }""");
        }

        string json = $$"""{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[{{string.Join(",\n", items)}}]}""";
        ClusterSnapshot snapshot = Rebalancer.Kubernetes.Snapshots.SnapshotLoader.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "executor benchmark").Snapshot;
        var evictions = new List<PlannedEviction>(snapshot.Pods.Count);
        for (int p = 0; p < snapshot.Pods.Count; p++)
        {
            evictions.Add(new PlannedEviction(p, snapshot.Pods.Node[p], -1, "bench", "Benchmark", "executor throughput"));
        }

        var plan = new Plan
        {
            Snapshot = snapshot,
            Now = DateTimeOffset.UnixEpoch,
            Evictions = evictions,
            Skipped = [],
            Warnings = [],
            PluginRuns = [],
            RequestedBefore = [],
            RequestedAfter = [],
            ConsideredNodes = [],
        };
        return (json, plan);
    }
}
