using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>
/// A run killed mid-drain (SIGKILL: no end-of-run step) leaves its node cordoned with its marker; the next run's sweep
/// does that run's end-of-run step for it. Nodes cordoned by anyone else are never touched.
/// </summary>
public sealed class InterruptedDrainTests
{
    private static string Annotation(TestApiServer server, string node, string key) =>
        server.Store.Get("nodes", null, node)!["metadata"]?["annotations"]?[key]?.GetValue<string>() ?? "<none>";

    private static bool? Unschedulable(TestApiServer server, string node) => server.Store.Get("nodes", null, node)!["spec"]?["unschedulable"]?.GetValue<bool>();

    private static void Cordon(TestApiServer server, string node, string? by = null, string? state = null) =>
        server.Store.Update("nodes", null, node, n =>
        {
            n["spec"] = new JsonObject { ["unschedulable"] = true };
            if (by is not null)
            {
                n["metadata"]!["annotations"] = new JsonObject
                {
                    [CordonMarker.CordonedBy] = by, [CordonMarker.CordonedAt] = "2026-01-02T03:04:05Z", [CordonMarker.Drain] = state,
                };
            }
        });

    [Fact]
    public async Task Sweep_Should_UncordonTheNodeAKilledRunLeftCordoned_And_NothingElse()
    {
        await using TestApiServer server = await StartAsync(SmallCluster(Node("n3"), Node("n4")));
        ClusterSnapshot snapshot = await ReadAsync(server);
        using KubernetesConnection connection = Connect(server);

        // The killed run: it cordons n1, evicts solo-0, and is killed (SIGKILL) while evicting solo-1 — nothing more is sent.
        var frozen = new FreezingEvictionApi(new KubernetesEvictionApi(connection), evictionsBeforeFreeze: 1);
        Task abandoned = new EvictionExecutor(frozen, FastOptions() with { RunId = "killed-run", MaxConcurrency = 1 })
            .ExecuteAsync(DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1"]), CancellationToken.None);
        await frozen.Frozen.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(abandoned.IsCompleted);
        Assert.True(Unschedulable(server, "n1"));
        Assert.Equal(("killed-run", CordonMarker.InProgress), (Annotation(server, "n1", CordonMarker.CordonedBy), Annotation(server, "n1", CordonMarker.Drain)));

        // Someone else's cordons: a person's (no marker), and drains other runs finished.
        Cordon(server, "n2");
        Cordon(server, "n3", by: "older-run", state: CordonMarker.Complete);
        Cordon(server, "n4", by: "next-run", state: CordonMarker.InProgress); // the sweeping run's own: never an interrupted one
        server.Journal.Clear();
        var observer = new RecordingObserver();

        InterruptedDrainSweepResult swept = await new InterruptedDrainSweep(connection, new KubernetesEvictionApi(connection), "next-run", FastOptions(), observer)
            .RunAsync(uncordon: true, Timeout());

        Assert.Null(swept.Problem);
        InterruptedDrain drain = Assert.Single(swept.Drains);
        Assert.Equal(("n1", "killed-run", "uncordon"), (drain.Node, drain.CordonedBy, drain.Action == NodeChangeKind.UncordonInterrupted ? "uncordon" : "mark"));
        Assert.True(drain.Succeeded);
        Assert.Matches("^node n1 was cordoned by run killed-run at .+, which never finished its drain \\(it was killed or lost its lease\\); uncordoned", drain.Describe());
        Assert.Null(Unschedulable(server, "n1"));
        Assert.Equal("<none>", Annotation(server, "n1", CordonMarker.CordonedBy));
        Assert.Equal([true, true, true], new[] { "n2", "n3", "n4" }.Select(n => Unschedulable(server, n) == true));
        Assert.Equal(CordonMarker.Complete, Annotation(server, "n3", CordonMarker.Drain));

        JournalEntry list = Assert.Single(server.Journal.Find("GET", "/api/v1/nodes"));
        Assert.Equal("spec.unschedulable=true", list.QueryValue("fieldSelector"));
        JournalEntry patch = Assert.Single(server.Journal.Find("PATCH", "/api/v1/nodes/*"));
        Assert.Equal("/api/v1/nodes/n1", patch.Path);
        Assert.Contains("\"resourceVersion\":\"", patch.Body, StringComparison.Ordinal); // conditional on the node as listed
        NodeChange change = Assert.Single(observer.Nodes);
        Assert.Equal((NodeChangeKind.UncordonInterrupted, "InterruptedDrain", true), (change.Kind, change.Reason, change.Succeeded));
    }

    [Fact]
    public async Task Sweep_Should_LeaveTheNodeCordonedAndMarkItIncomplete_When_UncordonOnIncompleteDrainIsOff()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        Cordon(server, "n1", by: "killed-run", state: CordonMarker.InProgress);
        using KubernetesConnection connection = Connect(server);

        InterruptedDrainSweepResult swept = await new InterruptedDrainSweep(connection, new KubernetesEvictionApi(connection), "next-run", FastOptions())
            .RunAsync(uncordon: false, Timeout());

        InterruptedDrain drain = Assert.Single(swept.Drains);
        Assert.Equal((NodeChangeKind.MarkInterrupted, true), (drain.Action, drain.Succeeded));
        Assert.EndsWith("left cordoned and marked incomplete (uncordonOnIncompleteDrain: false)", drain.Describe(), StringComparison.Ordinal);
        Assert.True(Unschedulable(server, "n1"));
        Assert.Equal(("killed-run", CordonMarker.Incomplete), (Annotation(server, "n1", CordonMarker.CordonedBy), Annotation(server, "n1", CordonMarker.Drain)));
    }

    [Fact]
    public async Task Sweep_Should_LeaveTheNodeAlone_When_ItChangedAfterItWasListed()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        Cordon(server, "n1", by: "killed-run", state: CordonMarker.InProgress);
        using KubernetesConnection connection = Connect(server);

        // Between the list and the PATCH someone edits the node (a person re-cordons it, say).
        var api = new BeforeCordonApi(new KubernetesEvictionApi(connection),
            () => server.Store.Update("nodes", null, "n1", n => n["metadata"]!["labels"]!["touched"] = "yes"));
        InterruptedDrainSweepResult swept = await new InterruptedDrainSweep(connection, api, "next-run", FastOptions()).RunAsync(uncordon: true, Timeout());

        InterruptedDrain drain = Assert.Single(swept.Drains);
        Assert.Equal((false, 409), (drain.Succeeded, drain.HttpStatus));
        Assert.Contains("the node changed since it was listed, so it was left as it is", drain.Describe(), StringComparison.Ordinal);
        Assert.True(Unschedulable(server, "n1"));
        Assert.Equal(CordonMarker.InProgress, Annotation(server, "n1", CordonMarker.Drain));
        Assert.Single(server.Journal.Find("PATCH", "/api/v1/nodes/n1")); // a conflict is not retried
    }

    [Fact]
    public async Task Sweep_Should_ReportAProblem_And_TouchNothing_When_ItCannotListNodes()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        Cordon(server, "n1", by: "killed-run", state: CordonMarker.InProgress);
        server.Faults.FailWith(403, "GET", "/api/v1/nodes", reason: "Forbidden");
        using KubernetesConnection connection = Connect(server);

        InterruptedDrainSweepResult swept = await new InterruptedDrainSweep(connection, new KubernetesEvictionApi(connection), "next-run", FastOptions())
            .RunAsync(uncordon: true, Timeout());

        Assert.Empty(swept.Drains);
        Assert.StartsWith("could not look for nodes left cordoned by an interrupted run (listing unschedulable nodes: HTTP 403 Forbidden", swept.Problem, StringComparison.Ordinal);
        Assert.Empty(server.Journal.Find("PATCH", "/**"));
    }

    /// <summary>Forwards the first evictions, then never answers anything again: a process killed with SIGKILL mid-run.</summary>
    private sealed class FreezingEvictionApi(IEvictionApi inner, int evictionsBeforeFreeze) : IEvictionApi
    {
        private readonly TaskCompletionSource<EvictionResponse> _never = new();
        private readonly TaskCompletionSource _frozen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _evictions;

        /// <summary>Completes when the first call that will never be answered was made.</summary>
        public Task Frozen => _frozen.Task;

        public Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _evictions) > evictionsBeforeFreeze)
            {
                _frozen.TrySetResult();
                return _never.Task;
            }

            return inner.EvictAsync(request, cancellationToken);
        }

        public Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken) =>
            Volatile.Read(ref _evictions) >= evictionsBeforeFreeze ? _never.Task : inner.CordonAsync(request, cancellationToken);

        public Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken) =>
            Volatile.Read(ref _evictions) >= evictionsBeforeFreeze ? _never.Task : inner.ReadNodeAsync(node, cancellationToken);
    }

    private sealed class BeforeCordonApi(IEvictionApi inner, Action before) : IEvictionApi
    {
        public Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken) => inner.EvictAsync(request, cancellationToken);

        public Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken)
        {
            before();
            return inner.CordonAsync(request, cancellationToken);
        }

        public Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken) => inner.ReadNodeAsync(node, cancellationToken);
    }
}

/// <summary>Keeps what the executor reports, in arrival order.</summary>
internal sealed class RecordingObserver : IExecutionObserver
{
    private readonly ConcurrentQueue<EvictionRecord> _evictions = new();
    private readonly ConcurrentQueue<NodeChange> _nodes = new();

    public IReadOnlyList<EvictionRecord> Evictions => [.. _evictions];

    public IReadOnlyList<NodeChange> Nodes => [.. _nodes];

    public void EvictionSettled(EvictionRecord eviction) => _evictions.Enqueue(eviction);

    public void NodeChanged(NodeChange change) => _nodes.Enqueue(change);
}
