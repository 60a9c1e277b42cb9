using System.Text.Json;
using Moq;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

public sealed class EvictionExecutorTests
{
    private const string EvictionPath = "/api/v1/namespaces/*/pods/*/eviction";

    private static async Task<(ExecutionResult Result, TestApiServer Server)> RunAsync(
        TestApiServer server, ClusterSnapshot snapshot, EvictionExecutorOptions options, string[] pods, TimeProvider? time = null)
    {
        using KubernetesConnection connection = Connect(server);
        ExecutionResult result = await Executor(server, connection, options, time).ExecuteAsync(PlanOf(snapshot, pods), Timeout());
        return (result, server);
    }

    [Fact]
    public async Task Execute_Should_EvictWithTheUidPreconditionAndGracePeriod_When_Allowed()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions() with { GracePeriodSeconds = 17 }, [$"{Ns}/solo-0", $"{Ns}/web-0"]);

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.Evicted, o.Outcome));
        Assert.All(result.Outcomes, o => Assert.Equal(1, o.Attempts));
        Assert.All(result.Outcomes, o => Assert.Equal(201, o.HttpStatus));
        Assert.False(PodExists(server, Ns, "solo-0"));
        Assert.False(PodExists(server, Ns, "web-0"));
        JournalEntry first = Evictions(server).Single(e => e.Path.EndsWith("/pods/solo-0/eviction", StringComparison.Ordinal));
        using JsonDocument body = JsonDocument.Parse(first.Body!);
        Assert.Equal("policy/v1", body.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("Eviction", body.RootElement.GetProperty("kind").GetString());
        JsonElement deleteOptions = body.RootElement.GetProperty("deleteOptions");
        Assert.Equal($"uid-{Ns}-solo-0", deleteOptions.GetProperty("preconditions").GetProperty("uid").GetString());
        Assert.Equal(17, deleteOptions.GetProperty("gracePeriodSeconds").GetInt64());
        Assert.False(deleteOptions.TryGetProperty("dryRun", out _));
    }

    [Fact]
    public async Task Execute_Should_ReportBlockedByPdb_And_StopSpendingThatBudget_When_TheServerAnswers429()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);

        // After the snapshot the budget drops to 0 (a pod became unready elsewhere): the server refuses with 429.
        server.Store.SetPodReady(Ns, "web-3", ready: false);

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions(), [$"{Ns}/web-0", $"{Ns}/web-1", $"{Ns}/solo-0"]);

        Assert.Equal(EvictionOutcomeKind.Evicted, result.Outcomes[0].Outcome);
        ExecutionOutcome blocked = result.Outcomes[1];
        Assert.Equal(EvictionOutcomeKind.BlockedByPdb, blocked.Outcome);
        Assert.Equal(429, blocked.HttpStatus);
        Assert.Equal(1, blocked.Attempts); // a budget at 0 is not retried by default
        Assert.Contains("web-pdb", blocked.Message, StringComparison.Ordinal);
        Assert.Equal(EvictionOutcomeKind.Evicted, result.Outcomes[2].Outcome);
        Assert.True(PodExists(server, Ns, "web-1"));
        Assert.False(result.Aborted);
    }

    [Fact]
    public async Task Execute_Should_NotSendAnEvictionTheLedgerRefuses_When_ABudgetWasSpentOrRefused()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);

        // The plan asks for three evictions under a PDB that allows two.
        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions(), [$"{Ns}/web-0", $"{Ns}/web-1", $"{Ns}/web-2"]);

        Assert.Equal(EvictionOutcomeKind.Evicted, result.Outcomes[0].Outcome);
        Assert.Equal(EvictionOutcomeKind.Evicted, result.Outcomes[1].Outcome);
        Assert.Equal(new ExecutionOutcome(EvictionOutcomeKind.BlockedByPdb, 0, null, result.Outcomes[2].Message), result.Outcomes[2]);
        Assert.Equal(2, Evictions(server).Count);
        Assert.True(PodExists(server, Ns, "web-2"));
    }

    [Fact]
    public async Task Execute_Should_ReportNotFound_When_ThePodIsAlreadyGone()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.Delete("pods", Ns, "solo-1");

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions(), [$"{Ns}/solo-1"]);

        Assert.Equal(EvictionOutcomeKind.NotFound, result.Outcomes[0].Outcome);
        Assert.Equal(404, result.Outcomes[0].HttpStatus);
        Assert.Equal(1, result.Outcomes[0].Attempts);
    }

    [Fact]
    public async Task Execute_Should_NeverEvictAReplacedPod_When_ItsUidChanged()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.Delete("pods", Ns, "solo-2");
        server.Store.Put(Pod("solo-2", app: "solo", node: "n2", uid: "uid-replacement"));

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions(), [$"{Ns}/solo-2"]);

        Assert.Equal(EvictionOutcomeKind.PreconditionFailed, result.Outcomes[0].Outcome);
        Assert.Equal(409, result.Outcomes[0].HttpStatus);
        Assert.True(PodExists(server, Ns, "solo-2"));
    }

    [Fact]
    public async Task Execute_Should_ReportMultiplePdbs_When_TheServerAnswers500WithoutAReason()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.Put(Pdb("solo-pdb-a", app: "solo", minAvailable: 0));
        server.Store.Put(Pdb("solo-pdb-b", app: "solo", minAvailable: 0));

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions(), [$"{Ns}/solo-0"]);

        Assert.Equal(EvictionOutcomeKind.MultiplePdbs, result.Outcomes[0].Outcome);
        Assert.Equal(500, result.Outcomes[0].HttpStatus);
        Assert.Equal(1, result.Outcomes[0].Attempts); // never retried
    }

    [Fact]
    public async Task Execute_Should_RetryTransientFailures_When_TheyClearWithinTheBound()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Faults.FailWith(503, "POST", EvictionPath, times: 1);
        server.Faults.FailWith(500, "POST", EvictionPath, times: 1, reason: "InternalError");
        server.Faults.Abort("POST", EvictionPath, times: 1);

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions(), [$"{Ns}/solo-0"]);

        Assert.Equal(EvictionOutcomeKind.Evicted, result.Outcomes[0].Outcome);
        Assert.Equal(4, result.Outcomes[0].Attempts);
        Assert.False(PodExists(server, Ns, "solo-0"));
    }

    [Fact]
    public async Task Execute_Should_GiveUpAfterTheRetryBound_When_TheServerKeepsFailing()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Faults.FailWith(503, "POST", EvictionPath);

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions() with { MaxRetries = 2 }, [$"{Ns}/solo-0", $"{Ns}/solo-1"]);

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.Failed, o.Outcome));
        Assert.All(result.Outcomes, o => Assert.Equal(3, o.Attempts));
        Assert.All(result.Outcomes, o => Assert.Equal(503, o.HttpStatus));
        Assert.Equal(6, Evictions(server).Count);
    }

    [Fact]
    public async Task Execute_Should_AbortTheRun_When_TooManyEvictionsFailInARow()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Faults.FailWith(403, "POST", EvictionPath, reason: "Forbidden", message: "pods \"x\" is forbidden: cannot create resource \"pods/eviction\"");

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions() with { MaxConsecutiveFailures = 2, MaxConcurrency = 1 },
            [$"{Ns}/solo-0", $"{Ns}/solo-1", $"{Ns}/solo-2"]);

        Assert.Equal(EvictionOutcomeKind.Failed, result.Outcomes[0].Outcome);
        Assert.Equal(1, result.Outcomes[0].Attempts); // 403 is not retried
        Assert.Equal(EvictionOutcomeKind.Failed, result.Outcomes[1].Outcome);
        Assert.Equal(EvictionOutcomeKind.NotAttempted, result.Outcomes[2].Outcome);
        Assert.NotNull(result.AbortReason);
        Assert.True(result.Aborted);
    }

    [Fact]
    public async Task Execute_Should_HonourRetryAfter_When_ThePdbIsStillBeingProcessed()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.PdbControllerEnabled = false;
        server.Store.BumpGeneration("poddisruptionbudgets", Ns, "web-pdb");
        var time = new AutoAdvancingTimeProvider();

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions() with { MaxRetries = 2 }, [$"{Ns}/web-0"], time);

        ExecutionOutcome outcome = result.Outcomes[0];
        Assert.Equal(EvictionOutcomeKind.BlockedByPdb, outcome.Outcome);
        Assert.Equal(3, outcome.Attempts);
        Assert.Equal(429, outcome.HttpStatus);
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)], time.Waits.ToArray());
    }

    [Fact]
    public async Task Execute_Should_RetryABlockedEvictionUntilTheDeadline_When_PdbRetryIsOn()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.SetPodReady(Ns, "web-3", ready: false);
        server.Store.SetPodReady(Ns, "web-2", ready: false); // budget 0 on the server
        var time = new AutoAdvancingTimeProvider();
        var api = new HookedEvictionApi(new KubernetesEvictionApi(Connect(server)), (_, call) =>
        {
            if (call == 2)
            {
                server.Store.SetPodReady(Ns, "web-3", ready: true); // a replacement became ready: budget 1
            }
        });
        var options = FastOptions() with { PdbRetryTimeout = TimeSpan.FromMinutes(2), PdbRetryDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromMinutes(1) };

        ExecutionResult result = await new EvictionExecutor(api, options, time).ExecuteAsync(PlanOf(snapshot, $"{Ns}/web-0"), Timeout());

        Assert.Equal(EvictionOutcomeKind.Evicted, result.Outcomes[0].Outcome);
        Assert.Equal(3, result.Outcomes[0].Attempts);
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)], time.Waits.ToArray());
    }

    [Fact]
    public async Task Execute_Should_StopCleanly_When_CancelledMidRun()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        using var cancellation = new CancellationTokenSource();
        using KubernetesConnection connection = Connect(server);
        var api = new HookedEvictionApi(new KubernetesEvictionApi(connection), (_, call) =>
        {
            if (call == 2)
            {
                cancellation.Cancel();
            }
        });

        ExecutionResult result = await new EvictionExecutor(api, FastOptions() with { MaxConcurrency = 1 })
            .ExecuteAsync(PlanOf(snapshot, $"{Ns}/solo-0", $"{Ns}/solo-1", $"{Ns}/solo-2", $"{Ns}/web-0"), cancellation.Token);

        Assert.True(result.Cancelled);
        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.Evicted, EvictionOutcomeKind.NotAttempted, EvictionOutcomeKind.NotAttempted],
            result.Outcomes.Select(o => o.Outcome).ToArray());
        Assert.Equal(2, Evictions(server).Count);
        Assert.False(PodExists(server, Ns, "solo-1")); // the call in flight when cancelled completed and was counted
        Assert.True(PodExists(server, Ns, "solo-2"));
    }

    [Fact]
    public async Task Execute_Should_SendDryRunsAndCountBudgetsLocally_When_ServerDryRun()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        server.Store.Delete("pods", Ns, "solo-1");

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions(ExecutionMode.ServerDryRun),
            [$"{Ns}/web-0", $"{Ns}/web-1", $"{Ns}/web-2", $"{Ns}/solo-1"]);

        Assert.Equal(EvictionOutcomeKind.ServerDryRunAccepted, result.Outcomes[0].Outcome);
        Assert.Equal(EvictionOutcomeKind.ServerDryRunAccepted, result.Outcomes[1].Outcome);

        // The server would accept a third (dry runs spend no budget); the local ledger knows the budget is spent.
        Assert.Equal(EvictionOutcomeKind.BlockedByPdb, result.Outcomes[2].Outcome);
        Assert.Equal(0, result.Outcomes[2].Attempts);
        Assert.Equal(EvictionOutcomeKind.ServerDryRunRejected, result.Outcomes[3].Outcome);
        Assert.Equal(404, result.Outcomes[3].HttpStatus);
        Assert.True(PodExists(server, Ns, "web-0"));
        Assert.True(PodExists(server, Ns, "web-1"));
        Assert.All(Evictions(server), e => Assert.Contains("\"dryRun\":[\"All\"]", e.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_Should_PaceEvictions_When_ARateIsSet()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        var time = new AutoAdvancingTimeProvider();

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions() with { EvictionsPerSecond = 4, MaxConcurrency = 1 },
            [$"{Ns}/solo-0", $"{Ns}/solo-1", $"{Ns}/solo-2"], time);

        Assert.All(result.Outcomes, o => Assert.Equal(EvictionOutcomeKind.Evicted, o.Outcome));
        Assert.Equal([TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250)], time.Waits.ToArray());
    }

    [Fact]
    public async Task Execute_Should_ReCheckTheLimits_When_ThePlanExceedsThem()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);

        (ExecutionResult result, _) = await RunAsync(server, snapshot, FastOptions() with { MaxPodsToEvictPerNode = 1 },
            [$"{Ns}/solo-0", $"{Ns}/solo-1", $"{Ns}/solo-2"]);

        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.BlockedByLimit, EvictionOutcomeKind.Evicted],
            result.Outcomes.Select(o => o.Outcome).ToArray());
        Assert.True(PodExists(server, Ns, "solo-1"));
    }

    [Fact]
    public async Task Execute_Should_NotCallTheApi_When_TheLedgerRefusesEverything()
    {
        await using TestApiServer server = await StartAsync(SmallCluster(Pdb("solo-pdb", app: "solo", minAvailable: 3)));
        ClusterSnapshot snapshot = await ReadAsync(server);
        var api = new Mock<IEvictionApi>(MockBehavior.Strict);

        ExecutionResult result = await new EvictionExecutor(api.Object, FastOptions()).ExecuteAsync(PlanOf(snapshot, $"{Ns}/solo-0"), Timeout());

        Assert.Equal(EvictionOutcomeKind.BlockedByPdb, result.Outcomes[0].Outcome);
        api.Verify(a => a.EvictAsync(It.IsAny<EvictionRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData(201, null, null, false, "Success")]
    [InlineData(200, null, null, false, "Success")]
    [InlineData(429, "TooManyRequests", "DisruptionBudget", false, "PdbBlocked")]
    [InlineData(429, "TooManyRequests", "DisruptionBudget", true, "PdbNotReady")]
    [InlineData(429, "TooManyRequests", null, true, "Throttled")]
    [InlineData(500, null, null, false, "MultiplePdbs")]
    [InlineData(500, "InternalError", null, false, "ServerError")]
    [InlineData(504, "Timeout", null, true, "ServerError")]
    [InlineData(404, "NotFound", null, false, "NotFound")]
    [InlineData(409, "Conflict", null, false, "Conflict")]
    [InlineData(403, "Forbidden", null, false, "Rejected")]
    public void Classify_Should_DecideOnStatusReasonAndCauses(int code, string? reason, string? cause, bool retryAfter, string expected)
    {
        var status = new ApiStatus(true, reason, "any text at all", cause is null ? [] : [cause], [], null);
        var response = new EvictionResponse(code, status, retryAfter ? TimeSpan.FromSeconds(10) : null);

        Assert.Equal(expected, EvictionExecutor.Classify(response).ToString());
    }
}
