using k8s;
using k8s.Models;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Live;
using Rebalancer.Testing.ApiServer;
using static Rebalancer.Kubernetes.Tests.Live.LiveTestKit;

namespace Rebalancer.Kubernetes.Tests.Live;

/// <summary>
/// The run's coordination.k8s.io/v1 Lease against the test API server over HTTP: taken, held, renewed, taken over when
/// expired, released, lost; two runs racing for it see the server's 409 and exactly one wins.
/// </summary>
public sealed class RunLeaseTests
{
    private const string LeasePath = "/apis/coordination.k8s.io/v1/namespaces/default/leases";

    /// <summary>Short timings, so renewal and loss happen within a test; the relations between them are the defaults'.</summary>
    private static readonly RunLeaseOptions Fast = new()
    {
        Duration = TimeSpan.FromSeconds(3),
        RenewInterval = TimeSpan.FromMilliseconds(200),
        RenewDeadline = TimeSpan.FromSeconds(1),
        RetryInterval = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>
    /// For the races: the default durations, so a loaded machine cannot let the winner's fresh lease expire (3 s in
    /// <see cref="Fast"/>) before the loser reads it back after its 409, which would turn the race into a takeover; and
    /// a request timeout well past the reads' 3 s delay.
    /// </summary>
    private static readonly RunLeaseOptions Racing = Fast with
    {
        Duration = TimeSpan.FromSeconds(60),
        RenewInterval = TimeSpan.FromSeconds(15),
        RenewDeadline = TimeSpan.FromSeconds(40),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>The lease of run <c>killed-run</c> (60 s, 4 transitions), last renewed <paramref name="ago"/>; returns that time.</summary>
    private static async Task<DateTime> LeftByAKilledRunAsync(TestApiServer server, TimeSpan ago)
    {
        using KubernetesConnection connection = Connect(server);
        DateTime lastRenewal = DateTime.UtcNow - ago;
        await connection.Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "rebalancer" },
            Spec = new V1LeaseSpec { HolderIdentity = "killed-run", LeaseDurationSeconds = 60, AcquireTime = lastRenewal, RenewTime = lastRenewal, LeaseTransitions = 4 },
        }, "default", cancellationToken: Timeout());
        return lastRenewal;
    }

    private static V1Lease? Stored(TestApiServer server) => server.Store.Get<V1Lease>("default", "rebalancer");

    /// <summary>Takes the lease through a connection that stays open for the rest of the test (the lease renews through it).</summary>
    private static async Task<RunLease> TakeAsync(TestApiServer server, string identity, RunLeaseOptions? options = null)
    {
        KubernetesConnection connection = Connect(server);
        LeaseAcquisition result = await RunLease.AcquireAsync(connection.Client, identity, options ?? Fast, null, Timeout());
        return Assert.IsType<LeaseAcquired>(result).Lease;
    }

    [Fact]
    public async Task Acquire_Should_CreateTheLease_RenewIt_And_ReleaseIt()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());

        await using RunLease lease = await TakeAsync(server, "run-a");

        V1Lease stored = Stored(server)!;
        Assert.Equal(("run-a", 3, 0), (stored.Spec.HolderIdentity, stored.Spec.LeaseDurationSeconds, stored.Spec.LeaseTransitions));
        Assert.Null(lease.TakenOverFrom);
        Assert.Equal(201, server.Journal.Find("POST", LeasePath).Single().StatusCode);
        DateTime firstRenewal = stored.Spec.RenewTime!.Value;
        await server.Journal.WaitForAsync(e => e.Method == "PUT" && e.Path == LeasePath + "/rebalancer" && e.StatusCode == 200, TimeSpan.FromSeconds(10));
        Assert.True(Stored(server)!.Spec.RenewTime > firstRenewal, "the lease is renewed while held");
        Assert.False(lease.Lost.IsCancellationRequested);

        Assert.Null(await lease.ReleaseAsync(Timeout()));

        V1Lease released = Stored(server)!;
        Assert.Null(released.Spec.HolderIdentity);
        Assert.Equal(1, released.Spec.LeaseDurationSeconds);
        int puts = server.Journal.Count("PUT", LeasePath + "/rebalancer");
        await Task.Delay(600);
        Assert.Equal(puts, server.Journal.Count("PUT", LeasePath + "/rebalancer")); // no renewal after the release
    }

    [Fact]
    public async Task Acquire_Should_ReportTheHolder_And_WriteNothing_When_AnotherRunHoldsIt()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        await using RunLease first = await TakeAsync(server, "run-a", new RunLeaseOptions()); // renews every 15 s: not during this test
        server.Journal.Clear();
        using KubernetesConnection connection = Connect(server);

        LeaseAcquisition second = await RunLease.AcquireAsync(connection.Client, "run-b", Fast, null, Timeout());

        LeaseHeld held = Assert.IsType<LeaseHeld>(second);
        Assert.Equal(("default", "rebalancer", "run-a"), (held.Namespace, held.Name, held.Holder));
        Assert.StartsWith("another run holds the lease default/rebalancer: run-a, since ", held.Describe(), StringComparison.Ordinal);
        Assert.Equal(["GET"], server.Journal.Entries.Select(e => e.Method));
        Assert.Equal("run-a", Stored(server)!.Spec.HolderIdentity);
    }

    [Fact]
    public async Task Acquire_Should_TakeTheLeaseOver_When_ItsHolderStoppedRenewingIt()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        DateTime lastRenewal = await LeftByAKilledRunAsync(server, TimeSpan.FromMinutes(2));

        await using RunLease lease = await TakeAsync(server, "run-b");

        Assert.Equal("killed-run", lease.TakenOverFrom);
        Assert.Equal(lastRenewal, lease.PreviousRenewal!.Value.UtcDateTime, TimeSpan.FromMilliseconds(1));
        Assert.StartsWith("taken over from run killed-run, which did not release it", lease.DescribeTakeover(), StringComparison.Ordinal);
        V1Lease stored = Stored(server)!;
        Assert.Equal(("run-b", 5), (stored.Spec.HolderIdentity, stored.Spec.LeaseTransitions));
    }

    [Fact]
    public async Task Acquire_Should_LetExactlyOneOfTwoRacingRunsWin_When_BothFindNoLease()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());

        // Both reads answer "no lease" before either run writes: both create, and the server lets only one through.
        // Long enough that both reads are in flight together even on a loaded machine (500 ms was not, at load ~30).
        server.Faults.Delay(TimeSpan.FromSeconds(3), "GET", LeasePath + "/rebalancer", times: 2);
        using KubernetesConnection a = Connect(server);
        using KubernetesConnection b = Connect(server);
        LeaseAcquisition[] results = await Task.WhenAll(
            RunLease.AcquireAsync(a.Client, "run-a", Racing, null, Timeout()),
            RunLease.AcquireAsync(b.Client, "run-b", Racing, null, Timeout()));

        LeaseAcquired winner = Assert.Single(results.OfType<LeaseAcquired>());
        LeaseHeld loser = Assert.Single(results.OfType<LeaseHeld>());
        Assert.Equal(winner.Lease.Identity, loser.Holder);
        Assert.Equal([201, 409], server.Journal.Find("POST", LeasePath).Select(e => e.StatusCode).Order());
        await winner.Lease.DisposeAsync();
    }

    [Fact]
    public async Task Acquire_Should_LetExactlyOneOfTwoRacingRunsTakeAnExpiredLeaseOver()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        await LeftByAKilledRunAsync(server, TimeSpan.FromMinutes(5));
        // Long enough that both reads are in flight together even on a loaded machine (500 ms was not, at load ~30).
        server.Faults.Delay(TimeSpan.FromSeconds(3), "GET", LeasePath + "/rebalancer", times: 2);

        using KubernetesConnection a = Connect(server);
        using KubernetesConnection b = Connect(server);
        LeaseAcquisition[] results = await Task.WhenAll(
            RunLease.AcquireAsync(a.Client, "run-a", Racing, null, Timeout()),
            RunLease.AcquireAsync(b.Client, "run-b", Racing, null, Timeout()));

        LeaseAcquired winner = Assert.Single(results.OfType<LeaseAcquired>());
        Assert.Equal(winner.Lease.Identity, Assert.Single(results.OfType<LeaseHeld>()).Holder);
        Assert.Contains(409, server.Journal.Find("PUT", LeasePath + "/rebalancer").Select(e => e.StatusCode)); // the stale resourceVersion lost
        await winner.Lease.DisposeAsync();
    }

    [Fact]
    public async Task Acquire_Should_NameTheMissingPermission_When_TheServerForbidsLeases()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        server.Faults.FailWith(403, "GET", LeasePath + "/rebalancer", reason: "Forbidden",
            message: "leases.coordination.k8s.io \"rebalancer\" is forbidden: User \"system:serviceaccount:rebalancer:rebalancer\" cannot get resource \"leases\"");
        using KubernetesConnection connection = Connect(server);

        LeaseAcquisition result = await RunLease.AcquireAsync(connection.Client, "run-a", Fast, null, Timeout());

        string problem = Assert.IsType<LeaseUnavailable>(result).Problem;
        Assert.StartsWith("the lease default/rebalancer cannot be taken: HTTP 403 Forbidden: leases.coordination.k8s.io \"rebalancer\" is forbidden", problem, StringComparison.Ordinal);
        Assert.Contains("needs get, create and update on leases (coordination.k8s.io) in namespace default", problem, StringComparison.Ordinal);
        Assert.Null(Stored(server));
    }

    [Fact]
    public async Task Acquire_Should_RetryTransientFailures_Then_GiveUp()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        server.Faults.FailWith(503, "GET", LeasePath + "/rebalancer");
        using KubernetesConnection connection = Connect(server);

        LeaseAcquisition result = await RunLease.AcquireAsync(connection.Client, "run-a", Fast, null, Timeout());

        Assert.EndsWith("(3 attempts)", Assert.IsType<LeaseUnavailable>(result).Problem, StringComparison.Ordinal);
        Assert.Equal(3, server.Journal.Count("GET", LeasePath + "/rebalancer"));
    }

    [Fact]
    public async Task Lease_Should_BeLost_When_AnotherRunTakesItOver()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        await using RunLease lease = await TakeAsync(server, "run-a");

        server.Store.Update("leases", "default", "rebalancer", l => l["spec"]!["holderIdentity"] = "run-b");

        await WaitAsync(lease.Lost);
        Assert.Equal("the lease was taken over by run-b", lease.LostReason);
        Assert.Null(await lease.ReleaseAsync(Timeout()));
        Assert.Equal("run-b", Stored(server)!.Spec.HolderIdentity); // not released: it is not ours any more
    }

    [Fact]
    public async Task Lease_Should_BeLost_BeforeItCouldExpire_When_RenewalsKeepFailing()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        await using RunLease lease = await TakeAsync(server, "run-a");
        DateTime lastRenewal = Stored(server)!.Spec.RenewTime!.Value;

        server.Faults.FailWith(503, "PUT", LeasePath + "/rebalancer");

        await WaitAsync(lease.Lost);
        DateTimeOffset lostAt = DateTimeOffset.UtcNow;
        Assert.StartsWith("it could not be renewed for ", lease.LostReason, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", lease.LostReason, StringComparison.Ordinal);
        Assert.True(lostAt < new DateTimeOffset(DateTime.SpecifyKind(lastRenewal, DateTimeKind.Utc)) + Fast.Duration,
            "the run must stop before another run may take the lease over");
    }

    [Fact]
    public async Task Executor_Should_StopEvictingAndAbort_When_ItsLeaseIsLost()
    {
        await using TestApiServer server = await StartAsync(SmallCluster());
        ClusterSnapshot snapshot = await ReadAsync(server);
        await using RunLease lease = await TakeAsync(server, "run-a");
        using KubernetesConnection connection = Connect(server);

        // After the first eviction another run takes the lease over; the run notices at its next renewal.
        var api = new HookedEvictionApi(new KubernetesEvictionApi(connection), (_, call) =>
        {
            if (call == 1)
            {
                server.Store.Update("leases", "default", "rebalancer", l => l["spec"]!["holderIdentity"] = "run-b");
                WaitAsync(lease.Lost).GetAwaiter().GetResult();
            }
        });
        Plan plan = PlanOf(snapshot, $"{Ns}/solo-0", $"{Ns}/solo-1", $"{Ns}/solo-2");

        ExecutionResult result = await new EvictionExecutor(api, FastOptions() with { MaxConcurrency = 1, Lease = lease }).ExecuteAsync(plan, Timeout());

        Assert.Equal([EvictionOutcomeKind.Evicted, EvictionOutcomeKind.NotAttempted, EvictionOutcomeKind.NotAttempted], result.Outcomes.Select(o => o.Outcome));
        Assert.False(result.Cancelled);
        Assert.Equal("the run lost its lease: the lease was taken over by run-b", result.AbortReason);
        Assert.Equal("not attempted: the run lost its lease: the lease was taken over by run-b", result.Outcomes[1].Message);
        Assert.Single(Evictions(server));
    }

    /// <summary>Waits (at most 15 s) for <paramref name="token"/> to be cancelled.</summary>
    private static Task WaitAsync(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task.WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None);
    }
}
