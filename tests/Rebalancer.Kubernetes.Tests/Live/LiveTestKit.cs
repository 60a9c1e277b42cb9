using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>Small clusters as kubectl prints them, a running test API server, and plans made by hand.</summary>
internal static class LiveTestKit
{
    public const string Ns = "shop";

    public static string RepoRoot { get; } = FindRoot();

    public static string DemoSnapshot => Path.Combine(RepoRoot, "samples", "demo-cluster.json");

    public static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    public static async Task<TestApiServer> StartAsync(string listJson)
    {
        TestApiServer server = await TestApiServer.StartAsync(new TestApiServerOptions());
        server.Store.LoadJson(listJson);
        server.Store.RecomputeAllPdbStatuses();
        return server;
    }

    public static Task<TestApiServer> StartDemoAsync() => TestApiServer.StartAsync(new TestApiServerOptions { SnapshotPath = DemoSnapshot });

    public static KubernetesConnection Connect(TestApiServer server) =>
        KubernetesConnection.FromConfiguration(server.ClientConfiguration(), "test server");

    public static async Task<ClusterSnapshot> ReadAsync(TestApiServer server)
    {
        using KubernetesConnection connection = Connect(server);
        ClusterReadResult result = await new ClusterReader(connection, new ClusterReaderOptions { PageSize = 5, Metrics = MetricsRequirement.Skip })
            .ReadAsync(Timeout());
        return result.Snapshot;
    }

    /// <summary>A plan that evicts the given pods (<c>namespace/name</c>) in that order.</summary>
    public static Plan PlanOf(ClusterSnapshot snapshot, params string[] pods)
    {
        var evictions = new List<PlannedEviction>();
        foreach (string key in pods)
        {
            int pod = Enumerable.Range(0, snapshot.Pods.Count).Single(p => snapshot.PodKey(p) == key);
            evictions.Add(new PlannedEviction(pod, snapshot.Pods.Node[pod], -1, "test", "Test", "picked by the test"));
        }

        return new Plan
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
    }

    /// <summary>
    /// A plan draining <paramref name="node"/> of <paramref name="pods"/> (Consolidation's evictions, in that order),
    /// marked as the strategy marks it: AlreadyCordoned when the snapshot has the node unschedulable.
    /// </summary>
    public static Plan DrainPlan(ClusterSnapshot snapshot, string node, string[] pods, bool uncordonOnIncompleteDrain = true, params string[] otherPods) =>
        DrainsPlan(snapshot, [(node, pods)], uncordonOnIncompleteDrain, otherPods);

    /// <summary>A plan draining each node of its pods, drain after drain (then <paramref name="otherPods"/>), as <see cref="DrainPlan"/> marks them.</summary>
    public static Plan DrainsPlan(ClusterSnapshot snapshot, (string Node, string[] Pods)[] drains, bool uncordonOnIncompleteDrain = true, params string[] otherPods)
    {
        string[] drainedPods = [.. drains.SelectMany(d => d.Pods)];
        Plan plain = PlanOf(snapshot, [.. drainedPods, .. otherPods]);
        var drained = new List<DrainedNode>();
        int next = 0;
        foreach ((string node, string[] pods) in drains)
        {
            int nodeIndex = Enumerable.Range(0, snapshot.Nodes.Count).Single(n => snapshot.Nodes.Name[n] == node);
            var moves = plain.Evictions.Skip(next).Take(pods.Length).Select(e => (e.Pod, -1)).ToList();
            next += pods.Length;
            drained.Add(new DrainedNode(nodeIndex, moves, 1m)
            {
                Cordon = snapshot.Nodes.IsUnschedulable(nodeIndex) ? CordonAction.AlreadyCordoned : CordonAction.Cordon,
                Plugin = "Consolidation",
                UncordonOnIncompleteDrain = uncordonOnIncompleteDrain,
            });
        }

        return new Plan
        {
            Snapshot = snapshot,
            Now = plain.Now,
            Evictions = [.. plain.Evictions.Select((e, i) => i < drainedPods.Length ? e with { Plugin = "Consolidation" } : e)],
            Skipped = [],
            Warnings = [],
            PluginRuns = [],
            RequestedBefore = [],
            RequestedAfter = [],
            ConsideredNodes = [],
            Consolidation = new ConsolidationSummary(drained, 2, 1, 1, 1, 1, 0, false) { UncordonOnIncompleteDrain = uncordonOnIncompleteDrain },
            Drains = drained,
        };
    }

    /// <summary>Executor options for tests: no pacing, no backoff waits, short timeouts.</summary>
    public static EvictionExecutorOptions FastOptions(ExecutionMode mode = ExecutionMode.Evict) => new()
    {
        Mode = mode,
        EvictionsPerSecond = 0,
        RetryBaseDelay = TimeSpan.Zero,
        RetryMaxDelay = TimeSpan.FromMilliseconds(1),
        RequestTimeout = TimeSpan.FromSeconds(10),
        MaxRetries = 3,
        RunId = "test-run",
    };

    public static EvictionExecutor Executor(TestApiServer server, KubernetesConnection connection, EvictionExecutorOptions options, TimeProvider? time = null) =>
        new(new KubernetesEvictionApi(connection, time), options, time);

    public static bool PodExists(TestApiServer server, string ns, string name) => server.Store.Get("pods", ns, name) is not null;

    public static IReadOnlyList<JournalEntry> Evictions(TestApiServer server) =>
        server.Journal.Find("POST", "/api/v1/namespaces/*/pods/*/eviction");

    // ------------------------------------------------------------------------------------------------------------------

    public static string List(params string[] items) =>
        $$"""{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[{{string.Join(",\n", items)}}]}""";

    public static string Node(string name) => $$$"""
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{name}}}","labels":{"kubernetes.io/hostname":"{{{name}}}"}},
         "status":{"allocatable":{"cpu":"8","memory":"32Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}}
        """;

    public static string Pod(string name, string app = "web", string node = "n1", string ns = Ns, string? uid = null, bool ready = true) => $$$"""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","uid":"{{{uid ?? "uid-" + ns + "-" + name}}}","labels":{"app":"{{{app}}}"},
                     "creationTimestamp":"2025-01-01T00:00:00Z",
                     "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{{{app}}}-rs","uid":"uid-{{{ns}}}-{{{app}}}-rs","controller":true}]},
         "spec":{"nodeName":"{{{node}}}","containers":[{"name":"app","image":"nginx:1.27","resources":{"requests":{"cpu":"100m","memory":"64Mi"} } }]},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"{{{(ready ? "True" : "False")}}}"}]}}
        """;

    public static string Pdb(string name, string app = "web", int minAvailable = 2, string ns = Ns) => $$$"""
        {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","generation":1},
         "spec":{"minAvailable":{{{minAvailable}}},"selector":{"matchLabels":{"app":"{{{app}}}"} } } }
        """;

    /// <summary>Two nodes; web-0..3 under web-pdb (minAvailable 2: two disruptions allowed); solo-0..2 under no PDB.</summary>
    public static string SmallCluster(params string[] extra) => List(
        [
            Node("n1"), Node("n2"),
            Pod("web-0", node: "n1"), Pod("web-1", node: "n1"), Pod("web-2", node: "n2"), Pod("web-3", node: "n2"),
            Pod("solo-0", app: "solo", node: "n1"), Pod("solo-1", app: "solo", node: "n1"), Pod("solo-2", app: "solo", node: "n2"),
            Pdb("web-pdb"),
            .. extra,
        ]);

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Rebalancer.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Rebalancer.sln not found");
    }
}

/// <summary>
/// A clock whose timers fire at once and move the clock forward by their due time, recording each wait: backoff and
/// pacing can be asserted without waiting for them.
/// </summary>
internal sealed class AutoAdvancingTimeProvider : TimeProvider
{
    private long _ticks = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero).UtcTicks;

    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != global::System.Threading.Timeout.InfiniteTimeSpan)
        {
            Waits.Enqueue(dueTime);
            Interlocked.Add(ref _ticks, Math.Max(0, dueTime.Ticks));
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new NoTimer();
    }

    private sealed class NoTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Wraps the real eviction API to act between calls (cancel the run, change the cluster).</summary>
internal sealed class HookedEvictionApi(IEvictionApi inner, Action<EvictionRequest, int> afterCall) : IEvictionApi
{
    private int _calls;

    public async Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken)
    {
        EvictionResponse response = await inner.EvictAsync(request, cancellationToken);
        afterCall(request, Interlocked.Increment(ref _calls));
        return response;
    }

    public Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken) => inner.CordonAsync(request, cancellationToken);

    public Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken) => inner.ReadNodeAsync(node, cancellationToken);
}
