using k8s.Models;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Kubernetes.Tests.ApiServer;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>
/// What a run tells as it goes: each outcome to the observer as it settles, and Kubernetes Events (events.k8s.io/v1) for
/// its evictions and cordons — best effort, never delaying or failing an eviction — which kubectl shows.
/// </summary>
public sealed class ExecutionEventsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Observer_Should_HearOfEachOutcome_BeforeTheNextEvictionIsSent()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        using KubernetesConnection connection = Connect(server);
        var observer = new RecordingObserver();
        var heardBeforeCall = new List<int>();
        var api = new BeforeEvictionApi(new KubernetesEvictionApi(connection), () => heardBeforeCall.Add(observer.Evictions.Count));

        ExecutionResult result = await new EvictionExecutor(api, FastOptions() with { MaxConcurrency = 1, Observer = observer, MaxPodsToEvictTotal = 3 })
            .ExecuteAsync(DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1", $"{Ns}/web-0", $"{Ns}/web-1"]), Timeout());

        Assert.Equal([0, 1, 2], heardBeforeCall); // the outcome of each eviction was reported before the next one was sent
        Assert.Equal(result.Outcomes, observer.Evictions.Select(e => e.Outcome));
        EvictionRecord first = observer.Evictions[0];
        Assert.Equal((Ns, "solo-0", "uid-shop-solo-0", "n1", "Consolidation"), (first.Namespace, first.Pod, first.Uid, first.Node, first.Plugin));
        Assert.Equal("HTTP 201, 1 attempt", first.Outcome.Describe());
        Assert.Equal("not sent: maxNoOfPodsToEvictTotal 3 reached", observer.Evictions[3].Outcome.Describe());
        Assert.Equal([NodeChangeKind.Cordon, NodeChangeKind.Uncordon], observer.Nodes.Select(n => n.Kind));
        Assert.Equal("HTTP 200, 1 PATCH attempt", observer.Nodes[0].Describe());
        Assert.Equal("before draining it (4 planned evictions)", observer.Nodes[0].Detail);
    }

    [Theory]
    [InlineData(EvictionOutcomeKind.Evicted, 1, 201, null, "HTTP 201, 1 attempt")]
    [InlineData(EvictionOutcomeKind.BlockedByPdb, 1, 429, "blocked by its PodDisruptionBudget: HTTP 429 TooManyRequests: Cannot evict pod",
        "1 attempt: blocked by its PodDisruptionBudget: HTTP 429 TooManyRequests: Cannot evict pod")]
    [InlineData(EvictionOutcomeKind.Failed, 4, null, "the outcome is unknown (an answer was lost); no answer within 30 s",
        "no answer, 4 attempts: the outcome is unknown (an answer was lost); no answer within 30 s")]
    [InlineData(EvictionOutcomeKind.NotAttempted, 0, null, "not attempted: the run was cancelled", "not attempted: the run was cancelled")]
    [InlineData(EvictionOutcomeKind.Failed, 1, 403, "HTTP 403 Forbidden: pods \"x\" is forbidden", "1 attempt: HTTP 403 Forbidden: pods \"x\" is forbidden")]
    public void Describe_Should_SayWhatHappened_WithoutEmptyParts(EvictionOutcomeKind kind, int attempts, int? status, string? message, string expected) =>
        Assert.Equal(expected, new ExecutionOutcome(kind, attempts, status, message).Describe());

    [KubectlFact]
    public async Task Events_Should_BeRecordedPerEvictionAndCordon_And_ShowInKubectl()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        server.Store.EnsureNamespaces(); // events live in the namespaces of their objects, and in default for nodes
        ClusterSnapshot snapshot = await ReadAsync(server);
        using KubernetesConnection connection = Connect(server);
        await using var recorder = new KubernetesEventRecorder(connection.Client, "host_1234abcd");

        ExecutionResult result = await Executor(server, connection, FastOptions() with { Observer = new EventingObserver(recorder) })
            .ExecuteAsync(DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1"]), Timeout());
        EventRecorderSummary summary = await recorder.CompleteAsync();

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.Evicted, o.Outcome));
        Assert.Equal(new EventRecorderSummary(3, 0, 0, null), summary);
        var pods = server.Store.List<Eventsv1Event>(Ns).OrderBy(e => e.Regarding.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["solo-0", "solo-1"], pods.Select(e => e.Regarding.Name));
        Eventsv1Event evicted = pods[0];
        Assert.Equal(("Normal", "Consolidation", "Descheduled"), (evicted.Type, evicted.Reason, evicted.Action));
        Assert.Equal(("rebalancer.io/rebalancer", "host_1234abcd", "uid-shop-solo-0"), (evicted.ReportingController, evicted.ReportingInstance, evicted.Regarding.Uid));
        Assert.Equal("pod evicted from n1 node by rebalancer (test/Consolidation: picked by the test)", evicted.Note);
        Assert.StartsWith("solo-0.", evicted.Metadata.Name, StringComparison.Ordinal);
        Eventsv1Event cordoned = Assert.Single(server.Store.List<Eventsv1Event>("default"));
        Assert.Equal(("Node", "n1", "n1", "Cordon", "Consolidation"), (cordoned.Regarding.Kind, cordoned.Regarding.Name, cordoned.Regarding.Uid, cordoned.Action, cordoned.Reason));
        Assert.Equal("node cordoned by rebalancer before draining it (2 planned evictions)", cordoned.Note);

        using var kubectl = new Kubectl(server);
        KubectlResult events = await kubectl.RunAsync(["get", "events", "-A", "--request-timeout=20s"], Bound);
        Assert.True(events.ExitCode == 0, events.ToString());
        Assert.Matches(@"shop\s+\d+s\s+Normal\s+Consolidation\s+pod/solo-0\s+pod evicted from n1 node by rebalancer", events.Output);
        Assert.Matches(@"default\s+\d+s\s+Normal\s+Consolidation\s+node/n1\s+node cordoned by rebalancer before draining it", events.Output);
        KubectlResult node = await kubectl.RunAsync(["describe", "node", "n1", "--request-timeout=20s"], Bound);
        Assert.True(node.ExitCode == 0, node.ToString());
        Assert.Matches(@"Normal\s+Consolidation\s+\d+s\s+rebalancer\.io/rebalancer\s+node cordoned by rebalancer before draining it \(2 planned evictions\)", node.Output);
        Assert.Matches(@"rebalancer\.io/drain:\s+complete", node.Output);
    }

    [Fact]
    public async Task Events_Should_NeverFailOrDelayAnEviction_When_TheServerRefusesOrStallsThem()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        server.Store.EnsureNamespaces();
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Faults.FailWith(403, "POST", "/apis/events.k8s.io/v1/namespaces/shop/events", reason: "Forbidden", message: "events.events.k8s.io is forbidden");
        server.Faults.Delay(TimeSpan.FromSeconds(20), "POST", "/apis/events.k8s.io/v1/namespaces/default/events");
        using KubernetesConnection connection = Connect(server);
        var failures = new List<string>();
        await using var recorder = new KubernetesEventRecorder(connection.Client, "host_1",
            new EventRecorderOptions { RequestTimeout = TimeSpan.FromMilliseconds(300), FlushTimeout = TimeSpan.FromSeconds(5) }, firstFailure: failures.Add);
        var started = DateTimeOffset.UtcNow;

        ExecutionResult result = await Executor(server, connection, FastOptions() with { Observer = new EventingObserver(recorder) })
            .ExecuteAsync(DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1"]), Timeout());
        TimeSpan executing = DateTimeOffset.UtcNow - started;
        EventRecorderSummary summary = await recorder.CompleteAsync();

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.Evicted, o.Outcome));
        Assert.True(executing < TimeSpan.FromSeconds(15), $"the run took {executing}: it waited for its events");
        Assert.Equal((0, 3), (summary.Recorded, summary.Failed + summary.Dropped));
        string failure = Assert.Single(failures); // reported once
        Assert.Equal(summary.FirstFailure, failure);
        Assert.Contains("could not be recorded", failure, StringComparison.Ordinal);
    }

    private sealed class BeforeEvictionApi(IEvictionApi inner, Action before) : IEvictionApi
    {
        public Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken)
        {
            before();
            return inner.EvictAsync(request, cancellationToken);
        }

        public Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken) => inner.CordonAsync(request, cancellationToken);

        public Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken) => inner.ReadNodeAsync(node, cancellationToken);
    }
}
