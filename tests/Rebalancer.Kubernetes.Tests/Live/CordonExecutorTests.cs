using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>
/// Consolidation's cordon against the test API server over HTTP: the order of PATCHes and evictions in the request
/// journal, the node's <c>spec.unschedulable</c> in the store, and the outcomes as values.
/// </summary>
public sealed class CordonExecutorTests
{
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";

    private static async Task<ExecutionResult> ExecuteAsync(TestApiServer server, Plan plan, EvictionExecutorOptions? options = null)
    {
        using KubernetesConnection connection = Connect(server);
        return await Executor(server, connection, options ?? FastOptions()).ExecuteAsync(plan, Timeout());
    }

    private static IReadOnlyList<JournalEntry> Patches(TestApiServer server, string node = "*") => server.Journal.Find("PATCH", $"/api/v1/nodes/{node}");

    private static bool? Unschedulable(TestApiServer server, string node) => server.Store.Get("nodes", null, node)!["spec"]?["unschedulable"]?.GetValue<bool>();

    /// <summary>The node's annotations named <c>rebalancer.io/…</c>, by name.</summary>
    private static Dictionary<string, string> Markers(TestApiServer server, string node) =>
        (server.Store.Get("nodes", null, node)!["metadata"]?["annotations"]?.AsObject() ?? [])
            .Where(a => a.Key.StartsWith("rebalancer.io/", StringComparison.Ordinal))
            .ToDictionary(a => a.Key, a => a.Value!.GetValue<string>());

    /// <summary>The cordon PATCH: the marker annotations with the run's identity, and spec.unschedulable, in one body.</summary>
    private static void AssertCordonBody(JournalEntry patch)
    {
        Assert.Matches("""^\{"metadata":\{"resourceVersion":"\d+","annotations":\{"rebalancer.io/cordoned-by":"test-run","rebalancer.io/cordoned-at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","rebalancer.io/drain":"in-progress"\}\},"spec":\{"unschedulable":true\}\}$""",
            patch.Body);
    }

    private const string UncordonBody =
        """{"metadata":{"annotations":{"rebalancer.io/cordoned-by":null,"rebalancer.io/cordoned-at":null,"rebalancer.io/drain":null}},"spec":{"unschedulable":null}}""";

    [Fact]
    public async Task Execute_Should_CordonTheNodeBeforeAnyEviction_And_LeaveItCordoned_When_TheDrainCompletes()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1"], otherPods: $"{Ns}/solo-2"));

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.Evicted, o.Outcome));
        NodeCordonOutcome cordon = Assert.Single(result.Cordons);
        Assert.Equal(new NodeCordonOutcome(snapshot.Nodes.IndexOf("n1"), CordonOutcomeKind.Cordoned, 2, 200, null), cordon);
        IReadOnlyList<JournalEntry> patches = Patches(server); // a complete drain is not uncordoned: its marker says complete
        Assert.Equal(2, patches.Count);
        JournalEntry patch = patches[0];
        Assert.Equal("/api/v1/nodes/n1", patch.Path);
        Assert.Equal("application/strategic-merge-patch+json", patch.ContentType);
        AssertCordonBody(patch);
        Assert.Null(patch.QueryValue("dryRun"));
        Assert.All(server.Journal.Find("POST", EvictionPath), e => Assert.True(e.Sequence > patch.Sequence, $"{e} was sent before the cordon"));
        Assert.Equal("""{"metadata":{"annotations":{"rebalancer.io/drain":"complete"}}}""", patches[1].Body);
        Assert.All(server.Journal.Find("POST", EvictionPath), e => Assert.True(e.Sequence < patches[1].Sequence, $"{e} was sent after the drain was marked complete"));
        Assert.True(Unschedulable(server, "n1"));
        Assert.Equal(("test-run", "complete"), (Markers(server, "n1")["rebalancer.io/cordoned-by"], Markers(server, "n1")["rebalancer.io/drain"]));
        Assert.Null(Unschedulable(server, "n2"));
        Assert.Empty(Markers(server, "n2"));
    }

    [Theory]
    [InlineData(true, CordonOutcomeKind.Uncordoned, 2, null)]
    [InlineData(false, CordonOutcomeKind.Cordoned, 2, true)]
    public async Task Execute_Should_UncordonAtTheEnd_When_APdbBlocksOneOfTheNodesPods(bool uncordon, CordonOutcomeKind expected, int patches, bool? unschedulableAfter)
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.SetPodReady(Ns, "web-3", ready: false); // the budget drops to 1 after the snapshot: web-1 gets a 429

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/web-0", $"{Ns}/web-1", $"{Ns}/solo-0"], uncordon));

        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.BlockedByPdb, EvictionOutcomeKind.Evicted], result.Outcomes.Select(o => o.Outcome));
        NodeCordonOutcome cordon = Assert.Single(result.Cordons);
        Assert.Equal(expected, cordon.Outcome);
        Assert.Equal(patches, cordon.Attempts);
        Assert.Contains("2 of 3 planned pods gone", cordon.Message, StringComparison.Ordinal);
        IReadOnlyList<JournalEntry> sent = Patches(server, "n1");
        Assert.Equal(patches, sent.Count);
        AssertCordonBody(sent[0]);
        Assert.All(server.Journal.Find("POST", EvictionPath), e => Assert.True(e.Sequence < sent[1].Sequence, "the last step comes after every eviction"));
        if (uncordon)
        {
            Assert.Equal(UncordonBody, sent[1].Body);
            Assert.Empty(Markers(server, "n1"));
        }
        else
        {
            Assert.Equal("""{"metadata":{"annotations":{"rebalancer.io/drain":"incomplete"}}}""", sent[1].Body);
            Assert.Equal("incomplete", Markers(server, "n1")["rebalancer.io/drain"]);
        }

        Assert.Equal(unschedulableAfter, Unschedulable(server, "n1"));
    }

    [Fact]
    public async Task Execute_Should_NeverTouchANodeCordonedBeforeTheRun_When_ItsDrainIsIncomplete()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        server.Store.Update("nodes", null, "n1", n => n["spec"] = new System.Text.Json.Nodes.JsonObject { ["unschedulable"] = true });
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.SetPodReady(Ns, "web-3", ready: false);

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/web-0", $"{Ns}/web-1"]));

        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.BlockedByPdb], result.Outcomes.Select(o => o.Outcome));
        Assert.Equal(CordonOutcomeKind.AlreadyCordoned, Assert.Single(result.Cordons).Outcome);
        Assert.Empty(Patches(server));
        Assert.True(Unschedulable(server, "n1"));
    }

    [Theory]
    [InlineData(403, "Forbidden", 1)]
    [InlineData(404, "NotFound", 1)]
    [InlineData(503, "ServiceUnavailable", 4)] // retried like an eviction: 1 + MaxRetries
    public async Task Execute_Should_AttemptNoneOfTheNodesEvictions_When_ItsCordonFails(int status, string reason, int attempts)
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Faults.FailWith(status, "PATCH", "/api/v1/nodes/n1", reason: reason);

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1"], otherPods: $"{Ns}/solo-2"));

        Assert.Equal([EvictionOutcomeKind.NotAttempted, EvictionOutcomeKind.NotAttempted, EvictionOutcomeKind.Evicted], result.Outcomes.Select(o => o.Outcome));
        Assert.All(result.Outcomes.Take(2), o => Assert.StartsWith($"not attempted: cordoning n1 failed (HTTP {status} {reason}", o.Message, StringComparison.Ordinal));
        Assert.Equal(new NodeCordonOutcome(snapshot.Nodes.IndexOf("n1"), CordonOutcomeKind.CordonFailed, attempts, status, result.Cordons[0].Message), Assert.Single(result.Cordons));
        Assert.Equal(attempts, Patches(server).Count); // an answered failure changed nothing: no uncordon
        Assert.Equal(["/api/v1/namespaces/shop/pods/solo-2/eviction"], server.Journal.Find("POST", EvictionPath).Select(e => e.Path));
        Assert.True(PodExists(server, Ns, "solo-0"));
        Assert.True(PodExists(server, Ns, "solo-1"));
        Assert.False(result.Aborted); // a cordon failure is the node's, not the run's
    }

    [Fact]
    public async Task Execute_Should_UncordonANodeTheLostCordonMayHaveCordoned_When_EveryAnswerWasLost()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Faults.Abort("PATCH", "/api/v1/nodes/n1", times: 4); // the cordon and its 3 retries; the uncordon gets through

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/solo-0"]));

        Assert.Equal(EvictionOutcomeKind.NotAttempted, result.Outcomes[0].Outcome);
        NodeCordonOutcome cordon = Assert.Single(result.Cordons);
        Assert.Equal(CordonOutcomeKind.CordonFailed, cordon.Outcome);
        Assert.Equal(5, cordon.Attempts);
        Assert.Contains("uncordoned in case", cordon.Message, StringComparison.Ordinal);
        // Journal order is the server's completion order, and aborted attempts may complete after the uncordon.
        Assert.Equal(200, Assert.Single(Patches(server), p => p.Body == UncordonBody).StatusCode);
        Assert.Empty(server.Journal.Find("POST", EvictionPath));
    }

    [Fact]
    public async Task Execute_Should_SendTheCordonWithDryRunAll_And_PersistNothing_When_ServerDryRun()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1"]), FastOptions(ExecutionMode.ServerDryRun));

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.ServerDryRunAccepted, o.Outcome));
        Assert.Equal(CordonOutcomeKind.Cordoned, Assert.Single(result.Cordons).Outcome);
        JournalEntry patch = Assert.Single(Patches(server));
        Assert.Equal("All", patch.QueryValue("dryRun"));
        Assert.Equal(200, patch.StatusCode);
        Assert.Null(Unschedulable(server, "n1"));
        Assert.Empty(Markers(server, "n1")); // and no marker patch at the end: nothing was persisted
    }

    [Fact]
    public void ClientDryRun_Should_ReportTheCordonsWithoutSendingAnything()
    {
        ClusterSnapshot snapshot = new Testing.Builders.TestCluster().Node("n1", 4000).Node("n2", 4000)
            .Node("old", 4000, configure: n => n.Unschedulable()).ReplicaSetPods("a", ["n1", "old"], cpu: 100).Build();
        string PodOn(string node) => snapshot.PodKey(Enumerable.Range(0, snapshot.Pods.Count).Single(p => snapshot.Pods.Node[p] == snapshot.Nodes.IndexOf(node)));
        Plan plan = DrainPlan(snapshot, "n1", [PodOn("n1")]);
        Plan preCordoned = DrainPlan(snapshot, "old", [PodOn("old")]);

        // The CLI never creates an executor in a client dry run (RunCommandTests): this is all it reports.
        Assert.Equal(CordonOutcomeKind.DryRun, Assert.Single(ExecutionResult.ClientDryRun(plan).Cordons).Outcome);
        Assert.Equal(CordonOutcomeKind.AlreadyCordoned, Assert.Single(ExecutionResult.ClientDryRun(preCordoned).Cordons).Outcome);
    }

    [Fact]
    public async Task Execute_Should_UncordonEvenAfterCancellation_When_TheRunStopsMidDrain()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        using var cancellation = new CancellationTokenSource();
        using KubernetesConnection connection = Connect(server);
        var api = new HookedEvictionApi(new KubernetesEvictionApi(connection), (_, _) => cancellation.Cancel());

        ExecutionResult result = await new EvictionExecutor(api, FastOptions() with { MaxConcurrency = 1 })
            .ExecuteAsync(DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1", $"{Ns}/web-0"]), cancellation.Token);

        Assert.True(result.Cancelled);
        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.NotAttempted, EvictionOutcomeKind.NotAttempted], result.Outcomes.Select(o => o.Outcome));
        Assert.Equal(CordonOutcomeKind.Uncordoned, Assert.Single(result.Cordons).Outcome);
        Assert.Equal(2, Patches(server, "n1").Count);
        Assert.Null(Unschedulable(server, "n1"));
        Assert.Empty(Markers(server, "n1"));
    }

    [Fact]
    public async Task Execute_Should_CordonEveryDrainedNodeBeforeTheFirstEviction_And_UncordonIt_When_CancelledBeforeItsEvictions()
    {
        // Every drained node is cordoned before the run's first eviction (issue #16: a pod evicted earlier must not be
        // scheduled onto a node the plan empties later). solo-2 (on n2, not drained) goes first; the run is cancelled
        // before n1's turn, so n1's drain is incomplete and n1 is uncordoned again.
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        using var cancellation = new CancellationTokenSource();
        using KubernetesConnection connection = Connect(server);
        var api = new HookedEvictionApi(new KubernetesEvictionApi(connection), (_, _) => cancellation.Cancel());

        Plan plan = DrainPlan(snapshot, "n1", [$"{Ns}/solo-0"], otherPods: $"{Ns}/solo-2");
        plan = new Plan
        {
            Snapshot = plan.Snapshot, Now = plan.Now, Evictions = [plan.Evictions[1], plan.Evictions[0]], Skipped = [], Warnings = [], PluginRuns = [],
            RequestedBefore = [], RequestedAfter = [], ConsideredNodes = [], Consolidation = plan.Consolidation, Drains = plan.Drains,
        };
        ExecutionResult result = await new EvictionExecutor(api, FastOptions() with { MaxConcurrency = 1 }).ExecuteAsync(plan, cancellation.Token);

        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.NotAttempted], result.Outcomes.Select(o => o.Outcome));
        Assert.Equal(CordonOutcomeKind.Uncordoned, Assert.Single(result.Cordons).Outcome);
        IReadOnlyList<JournalEntry> patches = Patches(server, "n1");
        Assert.Equal(2, patches.Count);
        JournalEntry first = Assert.Single(server.Journal.Find("POST", EvictionPath));
        Assert.True(patches[0].Sequence < first.Sequence, "n1 was cordoned after the run's first eviction");
        AssertCordonBody(patches[0]);
        Assert.Equal(UncordonBody, patches[1].Body);
        Assert.Null(Unschedulable(server, "n1"));
        Assert.Empty(Markers(server, "n1"));
    }

    /// <summary>Marks a node cordoned by someone else: unschedulable, with an annotation of its own and none of Rebalancer's.</summary>
    private static void CordonBySomeoneElse(TestApiServer server, string node) =>
        server.Store.Update("nodes", null, node, n =>
        {
            n["spec"] = new System.Text.Json.Nodes.JsonObject { ["unschedulable"] = true };
            n["metadata"]!["annotations"] = new System.Text.Json.Nodes.JsonObject { ["ops.example/reason"] = "kernel upgrade" };
        });

    private static string? Annotation(TestApiServer server, string node, string key) =>
        server.Store.Get("nodes", null, node)!["metadata"]?["annotations"]?[key]?.GetValue<string>();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Execute_Should_MarkEveryNodeItCordonsUpFront_FinishEachAsItsDrainEnded_And_NeverTouchAnotherCordon(bool uncordonOnIncompleteDrain)
    {
        // n2's drain completes; n1's does not (web-3 is not ready, so web-pdb lets web-0 go and blocks web-1); n3 was
        // cordoned by someone else before the cluster was read, n4 after it (the snapshot says schedulable).
        await using TestApiServer server = await StartAsync(SmallCluster(Node("n3"), Node("n4"), Pod("solo-3", app: "solo", node: "n3"), Pod("solo-4", app: "solo", node: "n4")));
        CordonBySomeoneElse(server, "n3");
        ClusterSnapshot snapshot = await ReadAsync(server);
        CordonBySomeoneElse(server, "n4");
        server.Store.SetPodReady(Ns, "web-3", ready: false);
        Plan plan = DrainsPlan(snapshot, [("n2", [$"{Ns}/solo-2"]), ("n1", [$"{Ns}/web-0", $"{Ns}/web-1"]), ("n3", [$"{Ns}/solo-3"]), ("n4", [$"{Ns}/solo-4"])],
            uncordonOnIncompleteDrain);

        ExecutionResult result = await ExecuteAsync(server, plan);

        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.Evicted, EvictionOutcomeKind.BlockedByPdb, EvictionOutcomeKind.Evicted, EvictionOutcomeKind.Evicted],
            result.Outcomes.Select(o => o.Outcome));
        Assert.Equal(
            [CordonOutcomeKind.Cordoned, uncordonOnIncompleteDrain ? CordonOutcomeKind.Uncordoned : CordonOutcomeKind.Cordoned, CordonOutcomeKind.AlreadyCordoned, CordonOutcomeKind.AlreadyCordoned],
            result.Cordons.Select(c => c.Outcome));
        Assert.Contains("when the run came to cordon it", result.Cordons[3].Message, StringComparison.Ordinal);

        // Both nodes this run cordons are cordoned, each with its marker, before the run's first eviction.
        IReadOnlyList<JournalEntry> patches = Patches(server);
        Assert.Equal(["/api/v1/nodes/n2", "/api/v1/nodes/n1", "/api/v1/nodes/n2", "/api/v1/nodes/n1"], patches.Select(p => p.Path));
        long firstEviction = server.Journal.Find("POST", EvictionPath).Min(e => e.Sequence);
        Assert.All(patches.Take(2), p => { AssertCordonBody(p); Assert.True(p.Sequence < firstEviction, $"{p.Path} was cordoned after the first eviction"); });

        // The end: n2 stays cordoned, marked complete; n1 is uncordoned with its marker removed, or left cordoned and marked incomplete.
        Assert.Equal((true, "test-run", "complete"), (Unschedulable(server, "n2"), Markers(server, "n2")["rebalancer.io/cordoned-by"], Markers(server, "n2")["rebalancer.io/drain"]));
        if (uncordonOnIncompleteDrain)
        {
            Assert.Equal(UncordonBody, patches[3].Body);
            Assert.Null(Unschedulable(server, "n1"));
            Assert.Empty(Markers(server, "n1"));
        }
        else
        {
            Assert.Equal("""{"metadata":{"annotations":{"rebalancer.io/drain":"incomplete"}}}""", patches[3].Body);
            Assert.Equal((true, "incomplete"), (Unschedulable(server, "n1"), Markers(server, "n1")["rebalancer.io/drain"]));
        }

        // Someone else's cordons: not one PATCH, still cordoned, their annotation kept and none of ours added.
        foreach (string node in new[] { "n3", "n4" })
        {
            Assert.Empty(Patches(server, node));
            Assert.True(Unschedulable(server, node));
            Assert.Equal("kernel upgrade", Annotation(server, node, "ops.example/reason"));
            Assert.Empty(Markers(server, node));
        }
    }

    [Theory]
    [InlineData(false, CordonOutcomeKind.Cordoned)]
    [InlineData(true, CordonOutcomeKind.AlreadyCordoned)]
    public async Task Execute_Should_ReadTheNodeAgain_When_ItChangesBetweenTheReadAndTheCordon(bool cordonedMeanwhile, CordonOutcomeKind expected)
    {
        // Right after the executor's first read of n1, someone labels it (or cordons it): the cordon PATCH, conditional on
        // the resourceVersion read, gets 409, and the executor reads n1 again rather than overwriting the change.
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        using KubernetesConnection connection = Connect(server);
        int reads = 0;
        var api = new AfterReadApi(new KubernetesEvictionApi(connection), () =>
        {
            if (Interlocked.Increment(ref reads) == 1)
            {
                if (cordonedMeanwhile)
                {
                    CordonBySomeoneElse(server, "n1");
                }
                else
                {
                    server.Store.Update("nodes", null, "n1", n => n["metadata"]!["labels"]!["ops.example/touched"] = "yes");
                }
            }
        });

        ExecutionResult result = await new EvictionExecutor(api, FastOptions()).ExecuteAsync(DrainPlan(snapshot, "n1", [$"{Ns}/solo-0"]), Timeout());

        Assert.Equal(EvictionOutcomeKind.Evicted, Assert.Single(result.Outcomes).Outcome);
        Assert.Equal(expected, Assert.Single(result.Cordons).Outcome);
        Assert.Equal(2, reads);
        IReadOnlyList<JournalEntry> patches = Patches(server, "n1");
        Assert.Equal(409, patches[0].StatusCode);
        Assert.True(Unschedulable(server, "n1"));
        if (cordonedMeanwhile)
        {
            Assert.Single(patches); // nothing after the 409: not cordoned, not marked, not uncordoned
            Assert.Equal("kernel upgrade", Annotation(server, "n1", "ops.example/reason"));
            Assert.Empty(Markers(server, "n1"));
        }
        else
        {
            Assert.Equal([409, 200, 200], patches.Select(p => p.StatusCode)); // 409, the cordon, the complete marker
            Assert.Equal("yes", server.Store.Get("nodes", null, "n1")!["metadata"]!["labels"]!["ops.example/touched"]!.GetValue<string>());
            Assert.Equal("complete", Markers(server, "n1")["rebalancer.io/drain"]);
        }
    }

    [Fact]
    public async Task Execute_Should_AttemptNoneOfTheNodesEvictions_When_TheNodeIsGoneWhenTheRunComesToCordonIt()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.Delete("nodes", null, "n1");

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/solo-0"]));

        NodeCordonOutcome cordon = Assert.Single(result.Cordons);
        Assert.Equal(CordonOutcomeKind.CordonFailed, cordon.Outcome);
        Assert.Contains("reading the node before cordoning it failed", cordon.Message, StringComparison.Ordinal);
        Assert.Equal(EvictionOutcomeKind.NotAttempted, Assert.Single(result.Outcomes).Outcome);
        Assert.Empty(Patches(server));
        Assert.Empty(server.Journal.Find("POST", EvictionPath));
    }

    /// <summary>Runs <paramref name="after"/> after each node read has been answered (the journal has it), before the executor sees the answer.</summary>
    private sealed class AfterReadApi(IEvictionApi inner, Action after) : IEvictionApi
    {
        public Task<EvictionResponse> EvictAsync(EvictionRequest request, CancellationToken cancellationToken) => inner.EvictAsync(request, cancellationToken);

        public Task<EvictionResponse> CordonAsync(CordonRequest request, CancellationToken cancellationToken) => inner.CordonAsync(request, cancellationToken);

        public async Task<EvictionResponse> ReadNodeAsync(string node, CancellationToken cancellationToken)
        {
            EvictionResponse response = await inner.ReadNodeAsync(node, cancellationToken);
            after();
            return response;
        }
    }
}
