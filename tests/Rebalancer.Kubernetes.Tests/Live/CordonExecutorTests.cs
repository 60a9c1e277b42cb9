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

    /// <summary>
    /// A plan draining <paramref name="node"/> of <paramref name="pods"/> (Consolidation's evictions, in that order),
    /// marked as the strategy marks it: AlreadyCordoned when the snapshot has the node unschedulable.
    /// </summary>
    private static Plan DrainPlan(ClusterSnapshot snapshot, string node, string[] pods, bool uncordonOnIncompleteDrain = true, params string[] otherPods)
    {
        Plan plain = PlanOf(snapshot, [.. pods, .. otherPods]);
        int nodeIndex = Enumerable.Range(0, snapshot.Nodes.Count).Single(n => snapshot.Nodes.Name[n] == node);
        var moves = plain.Evictions.Take(pods.Length).Select(e => (e.Pod, -1)).ToList();
        var drained = new DrainedNode(nodeIndex, moves, 1m)
        {
            Cordon = snapshot.Nodes.IsUnschedulable(nodeIndex) ? CordonAction.AlreadyCordoned : CordonAction.Cordon,
            Plugin = "Consolidation",
            UncordonOnIncompleteDrain = uncordonOnIncompleteDrain,
        };
        return new Plan
        {
            Snapshot = snapshot,
            Now = plain.Now,
            Evictions = [.. plain.Evictions.Select((e, i) => i < pods.Length ? e with { Plugin = "Consolidation" } : e)],
            Skipped = [],
            Warnings = [],
            PluginRuns = [],
            RequestedBefore = [],
            RequestedAfter = [],
            ConsideredNodes = [],
            Consolidation = new ConsolidationSummary([drained], 2, 1, 1, 1, 1, 0, false) { UncordonOnIncompleteDrain = uncordonOnIncompleteDrain },
            Drains = [drained],
        };
    }

    private static async Task<ExecutionResult> ExecuteAsync(TestApiServer server, Plan plan, EvictionExecutorOptions? options = null)
    {
        using KubernetesConnection connection = Connect(server);
        return await Executor(server, connection, options ?? FastOptions()).ExecuteAsync(plan, Timeout());
    }

    private static IReadOnlyList<JournalEntry> Patches(TestApiServer server, string node = "*") => server.Journal.Find("PATCH", $"/api/v1/nodes/{node}");

    private static bool? Unschedulable(TestApiServer server, string node) => server.Store.Get("nodes", null, node)!["spec"]?["unschedulable"]?.GetValue<bool>();

    [Fact]
    public async Task Execute_Should_CordonTheNodeBeforeAnyEviction_And_LeaveItCordoned_When_TheDrainCompletes()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);

        ExecutionResult result = await ExecuteAsync(server, DrainPlan(snapshot, "n1", [$"{Ns}/solo-0", $"{Ns}/solo-1"], otherPods: $"{Ns}/solo-2"));

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.Evicted, o.Outcome));
        NodeCordonOutcome cordon = Assert.Single(result.Cordons);
        Assert.Equal(new NodeCordonOutcome(snapshot.Nodes.IndexOf("n1"), CordonOutcomeKind.Cordoned, 1, 200, null), cordon);
        JournalEntry patch = Assert.Single(Patches(server)); // a complete drain is not uncordoned
        Assert.Equal("/api/v1/nodes/n1", patch.Path);
        Assert.Equal("application/strategic-merge-patch+json", patch.ContentType);
        Assert.Equal("""{"spec":{"unschedulable":true}}""", patch.Body);
        Assert.Null(patch.QueryValue("dryRun"));
        Assert.All(server.Journal.Find("POST", EvictionPath), e => Assert.True(e.Sequence > patch.Sequence, $"{e} was sent before the cordon"));
        Assert.True(Unschedulable(server, "n1"));
        Assert.Null(Unschedulable(server, "n2"));
    }

    [Theory]
    [InlineData(true, CordonOutcomeKind.Uncordoned, 2, null)]
    [InlineData(false, CordonOutcomeKind.Cordoned, 1, true)]
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
        if (uncordon)
        {
            Assert.Equal("""{"spec":{"unschedulable":null}}""", sent[1].Body);
            Assert.All(server.Journal.Find("POST", EvictionPath), e => Assert.True(e.Sequence < sent[1].Sequence, "the uncordon comes after every eviction"));
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
        Assert.Equal("""{"spec":{"unschedulable":null}}""", Patches(server)[^1].Body);
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
        Assert.Null(Unschedulable(server, "n1"));
    }
}
