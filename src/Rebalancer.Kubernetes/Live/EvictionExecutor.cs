using System.Diagnostics;
using System.Globalization;
using Polly;
using Polly.Retry;
using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Kubernetes.Live;

/// <summary>What happened to one planned eviction.</summary>
public enum EvictionOutcomeKind
{
    /// <summary>2xx: the server accepted the eviction; the pod is terminating.</summary>
    Evicted,

    /// <summary>429 with a DisruptionBudget cause (after any configured retries), or the local ledger says the budget is spent.</summary>
    BlockedByPdb,

    /// <summary>404: the pod was already gone.</summary>
    NotFound,

    /// <summary>409: the uid precondition failed; the pod was replaced or changed since the snapshot.</summary>
    PreconditionFailed,

    /// <summary>500 without a reason: the pod is selected by more than one PodDisruptionBudget.</summary>
    MultiplePdbs,

    /// <summary>Any other answer, or retries exhausted on 5xx, timeouts and dropped connections.</summary>
    Failed,

    /// <summary>Not sent: a maxNoOfPodsToEvict* limit would be exceeded (the executor re-checks what the plan checked).</summary>
    BlockedByLimit,

    /// <summary>Not sent: the run was cancelled or aborted first.</summary>
    NotAttempted,

    /// <summary>Client dry run: nothing was sent.</summary>
    DryRun,

    /// <summary>Server dry run (<c>dryRun: ["All"]</c>): the server would have evicted the pod.</summary>
    ServerDryRunAccepted,

    /// <summary>Server dry run: the server would have refused (PDB, gone, replaced, multiple PDBs, forbidden…); the message says why.</summary>
    ServerDryRunRejected,
}

/// <summary>The result of one planned eviction: a value, never an exception.</summary>
/// <param name="Attempts">Eviction requests sent (0 when none was).</param>
/// <param name="HttpStatus">The last HTTP status, when the server answered.</param>
public sealed partial record ExecutionOutcome(EvictionOutcomeKind Outcome, int Attempts, int? HttpStatus, string? Message)
{
    /// <summary>The eviction happened (or, in a server dry run, would have).</summary>
    public bool Succeeded => Outcome is EvictionOutcomeKind.Evicted or EvictionOutcomeKind.ServerDryRunAccepted;
}

public enum ExecutionMode
{
    /// <summary>Real evictions.</summary>
    Evict,

    /// <summary>Evictions sent with <c>dryRun: ["All"]</c>; budgets are counted locally, as server dry runs spend none.</summary>
    ServerDryRun,
}

/// <summary>Pacing, retries and limits of the executor. The defaults are safe for a large cluster.</summary>
public sealed record EvictionExecutorOptions
{
    public ExecutionMode Mode { get; init; } = ExecutionMode.Evict;

    /// <summary>The policy's <c>gracePeriodSeconds</c>; null keeps each pod's own.</summary>
    public long? GracePeriodSeconds { get; init; }

    /// <summary>New evictions started per second; 0 or less means unpaced.</summary>
    public double EvictionsPerSecond { get; init; } = 5;

    /// <summary>Evictions in flight at once. Evictions of pods under the same PodDisruptionBudget never overlap.</summary>
    public int MaxConcurrency { get; init; } = 2;

    /// <summary>Retries of one eviction on 5xx, throttling 429, "still being processed" 429, timeouts and dropped connections.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First retry delay; exponential with jitter (Polly) unless the server sent Retry-After.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A Retry-After longer than this is shortened to it.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long to keep retrying an eviction a PodDisruptionBudget blocks (429 without Retry-After), e.g. while a
    /// replacement pod becomes ready. Zero (the default) reports it as <see cref="EvictionOutcomeKind.BlockedByPdb"/> at once.
    /// </summary>
    public TimeSpan PdbRetryTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>First wait between PDB retries; doubles up to <see cref="RetryMaxDelay"/>; Retry-After wins.</summary>
    public TimeSpan PdbRetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>One request's timeout (wall clock).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After this many failed evictions in a row the run aborts: the API server is likely down or the credentials lack RBAC.</summary>
    public int MaxConsecutiveFailures { get; init; } = 5;

    public uint? MaxPodsToEvictPerNode { get; init; }

    public uint? MaxPodsToEvictPerNamespace { get; init; }

    public uint? MaxPodsToEvictTotal { get; init; }

    /// <summary>
    /// The span of the plugin run that planned an eviction; each eviction's span links to it, so a trace shows which
    /// decision an API call carried out. Null: no links.
    /// </summary>
    public Func<PlannedEviction, ActivityContext>? ProposedBy { get; init; }

    /// <summary>
    /// This run's identity: the value of the <see cref="CordonMarker.CordonedBy"/> annotation on the nodes it cordons, and
    /// its lease's holder identity.
    /// </summary>
    public string RunId { get; init; } = RunIdentity.Create();

    /// <summary>
    /// The run's lease (<see cref="RunLease"/>), when it holds one: once it is lost (another run took it over, or it could
    /// not be renewed in time) no further eviction or cordon starts and the run aborts. Null: no lease (tests, dry runs).
    /// </summary>
    public IRunLease? Lease { get; init; }

    /// <summary>Hears of every eviction outcome and node change as it happens (logs, Kubernetes Events). Null: nobody.</summary>
    public IExecutionObserver? Observer { get; init; }
}

/// <summary>The outcomes of a run, one per planned eviction in plan order.</summary>
public sealed class ExecutionResult
{
    /// <param name="cordons">One per drained node Consolidation marked for cordoning, in drain order; none by default.</param>
    public ExecutionResult(Plan plan, IReadOnlyList<ExecutionOutcome> outcomes, bool cancelled, string? abortReason, IReadOnlyList<NodeCordonOutcome>? cordons = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count != plan.Evictions.Count)
        {
            throw new ArgumentException("One outcome per planned eviction is required.", nameof(outcomes));
        }

        Outcomes = outcomes;
        Cordons = cordons ?? [];
        Cancelled = cancelled;
        AbortReason = abortReason;
        var byPod = new Dictionary<int, ExecutionOutcome>(outcomes.Count);
        for (int i = 0; i < outcomes.Count; i++)
        {
            byPod[plan.Evictions[i].Pod] = outcomes[i];
        }

        ByPod = byPod;
    }

    /// <summary>In plan order, parallel to <see cref="Plan.Evictions"/>.</summary>
    public IReadOnlyList<ExecutionOutcome> Outcomes { get; }

    /// <summary>What happened to each drained node Consolidation marked for cordoning, in drain order.</summary>
    public IReadOnlyList<NodeCordonOutcome> Cordons { get; }

    /// <summary>By pod index (a plan evicts a pod at most once).</summary>
    public IReadOnlyDictionary<int, ExecutionOutcome> ByPod { get; }

    /// <summary>The run was cancelled; evictions not started are <see cref="EvictionOutcomeKind.NotAttempted"/>.</summary>
    public bool Cancelled { get; }

    /// <summary>Why the executor stopped early on its own (too many consecutive failures); null otherwise.</summary>
    public string? AbortReason { get; }

    public bool Aborted => Cancelled || AbortReason is not null;

    public int Count(EvictionOutcomeKind kind) => Outcomes.Count(o => o.Outcome == kind);

    /// <summary>
    /// A run that may not act (another run holds the lease): every planned eviction and cordon is
    /// <see cref="EvictionOutcomeKind.NotAttempted"/> with <paramref name="reason"/>, which is also the abort reason.
    /// </summary>
    public static ExecutionResult NotStarted(Plan plan, string reason)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var outcome = new ExecutionOutcome(EvictionOutcomeKind.NotAttempted, 0, null, "not attempted: " + reason);
        return new ExecutionResult(plan, Enumerable.Repeat(outcome, plan.Evictions.Count).ToList(), cancelled: false, abortReason: reason,
            DrainCordons.NotStarted(plan, "not attempted: " + reason));
    }

    /// <summary>A client dry run: every planned eviction is <see cref="EvictionOutcomeKind.DryRun"/>; nothing is sent.</summary>
    public static ExecutionResult ClientDryRun(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var outcome = new ExecutionOutcome(EvictionOutcomeKind.DryRun, 0, null, null);
        return new ExecutionResult(plan, Enumerable.Repeat(outcome, plan.Evictions.Count).ToList(), cancelled: false, abortReason: null,
            DrainCordons.ClientDryRun(plan));
    }
}

/// <summary>Performs a plan's evictions. The CLI never calls it for a client dry run.</summary>
public interface IEvictionExecutor
{
    Task<ExecutionResult> ExecuteAsync(Plan plan, CancellationToken cancellationToken);
}

/// <summary>
/// The only code that writes to a cluster: one policy/v1 Eviction per planned eviction, in plan order, each with the
/// snapshot's pod uid as precondition. Before each call it re-checks a fresh PDB ledger (spent by successes, set to 0
/// for a PDB that answered 429) and the eviction limits; evictions under one PDB never overlap, so each sees the
/// previous one's result. Outcomes are decided on the HTTP status, the Status <c>reason</c>, its cause types and
/// Retry-After — never on message text (kubernetes-api.md §1.3, §2.5). Transient failures are retried with jittered
/// exponential backoff by a Polly pipeline, a bounded number of times. Cancellation stops new evictions and retries;
/// a request in flight completes, so nothing is left half-counted, and evictions not started are NotAttempted.
/// Nodes the plan drains with a cordon are all cordoned before the first eviction (a node that cannot be cordoned keeps
/// all its pods) and uncordoned at the end when their drain did not complete, even after a cancellation.
/// </summary>
public sealed class EvictionExecutor : IEvictionExecutor
{
    private readonly IEvictionApi _api;
    private readonly EvictionExecutorOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<Attempt> _pipeline;
    private readonly NodePatcher _nodes;

    public EvictionExecutor(IEvictionApi api, EvictionExecutorOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(api);
        _api = api;
        _options = options ?? new EvictionExecutorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxRetries);
        _time = timeProvider ?? TimeProvider.System;
        _pipeline = RetryPipeline(_options, _time);
        _nodes = new NodePatcher(api, _pipeline, _options.RequestTimeout);
    }

    /// <summary>Retries of transient answers (5xx, throttling, lost answers) with jittered exponential backoff; Retry-After wins.</summary>
    internal static ResiliencePipeline<Attempt> RetryPipeline(EvictionExecutorOptions options, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.IsTransient),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result.RetryAfter is TimeSpan wait ? Min(wait, options.MaxRetryAfter) : (TimeSpan?)null),
            });
        }

        return builder.Build();
    }

    /// <summary>How a response (or a transport failure) is treated.</summary>
    internal enum ResponseClass
    {
        Success,
        NotFound,
        Conflict,

        /// <summary>429 with a DisruptionBudget cause and no Retry-After: the budget is 0.</summary>
        PdbBlocked,

        /// <summary>429 with a DisruptionBudget cause and Retry-After: the PDB is "still being processed"; retried.</summary>
        PdbNotReady,

        MultiplePdbs,

        /// <summary>429 without a DisruptionBudget cause (API priority and fairness); retried.</summary>
        Throttled,

        /// <summary>5xx other than the multi-PDB 500; retried.</summary>
        ServerError,

        /// <summary>Any other 4xx (400, 401, 403, 422…): not retried.</summary>
        Rejected,

        /// <summary>No answer: connection refused or dropped, timeout; retried.</summary>
        Transport,
    }

    public async Task<ExecutionResult> ExecuteAsync(Plan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);

        // The run stops on cancellation (Ctrl-C, SIGTERM) or when its lease is lost; `cancellationToken` tells the two apart.
        using CancellationTokenSource stopping = _options.Lease is { } lease
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lease.Lost)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ExecutionResult result = await ExecuteAsync(plan, stopping.Token, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<ExecutionResult> ExecuteAsync(Plan plan, CancellationToken stop, CancellationToken cancellationToken)
    {
        var run = new Run(plan);
        DrainCordons cordons = DrainCordons.Of(plan);
        IReadOnlyList<PlannedEviction> evictions = plan.Evictions;
        using var slots = new SemaphoreSlim(_options.MaxConcurrency, _options.MaxConcurrency);
        var pending = new List<Task>();
        var pdbTail = new Dictionary<int, Task>();
        DateTimeOffset nextStart = _time.GetUtcNow();
        bool stopped = false;

        // Every drained node is cordoned before the first eviction: a pod evicted from one drain must not land on a node
        // emptied later in the run (the plan placed it elsewhere).
        foreach (int drain in cordons.ToCordon())
        {
            if (stop.IsCancellationRequested)
            {
                break;
            }

            await CordonAsync(plan, cordons, drain, stop).ConfigureAwait(false);
        }

        for (int i = 0; i < evictions.Count; i++)
        {
            if (stop.IsCancellationRequested)
            {
                stopped = true;
                break;
            }

            if (run.AbortReason is not null)
            {
                break;
            }

            PlannedEviction eviction = evictions[i];
            int drain = cordons.DrainOf(i);
            if (drain >= 0 && NotCordoned(plan, cordons, drain) is ExecutionOutcome notCordoned)
            {
                Settled(plan, run, i, notCordoned);
                continue;
            }

            int pdb = run.Ledger.PdbOf(eviction.Pod);
            try
            {
                await slots.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                stopped = true;
                break;
            }

            bool started = false;
            try
            {
                // One eviction per PDB at a time: the next one must see the previous one's answer.
                if (pdb >= 0 && pdbTail.TryGetValue(pdb, out Task? previous))
                {
                    await previous.ConfigureAwait(false);
                }

                if (stop.IsCancellationRequested)
                {
                    stopped = true;
                    break;
                }

                if (run.AbortReason is not null)
                {
                    break;
                }

                if (_options.EvictionsPerSecond > 0)
                {
                    DateTimeOffset now = _time.GetUtcNow();
                    if (nextStart > now)
                    {
                        await Task.Delay(nextStart - now, _time, stop).ConfigureAwait(false);
                        now = nextStart;
                    }

                    nextStart = now + TimeSpan.FromSeconds(1 / _options.EvictionsPerSecond);
                }

                // A drain the up-front pass did not reach (the run was cancelled there) is cordoned now; never evict from
                // a node that could not be cordoned.
                if (drain >= 0 && cordons.CordonOf(drain) is null)
                {
                    if (!await CordonAsync(plan, cordons, drain, stop).ConfigureAwait(false))
                    {
                        stopped = true;
                        break;
                    }

                    if (NotCordoned(plan, cordons, drain) is ExecutionOutcome cordonFailed)
                    {
                        Settled(plan, run, i, cordonFailed);
                        continue;
                    }
                }

                if (run.Admit(eviction, pdb, _options, out bool spendsBudget) is ExecutionOutcome refused)
                {
                    Settled(plan, run, i, refused);
                    using (Activity? span = StartSpan(plan, eviction))
                    {
                        Describe(span, refused);
                    }

                    continue;
                }

                int index = i;
                Task task = Task.Run(async () =>
                {
                    using Activity? span = StartSpan(plan, eviction);
                    try
                    {
                        (ExecutionOutcome outcome, bool counted) outcome;
                        try
                        {
                            outcome = await EvictOneAsync(plan, eviction, stop).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            // A bug or an unexpected client error must not lose the run's accounting: the eviction may
                            // have been sent, so it is counted as if it happened.
                            outcome = (new ExecutionOutcome(EvictionOutcomeKind.Failed, 1, null, "unexpected error: " + e.Message), true);
                        }

                        Describe(span, outcome.outcome);
                        run.Settle(index, eviction, pdb, spendsBudget, outcome.outcome, outcome.counted, _options);
                        Notify(plan, index, outcome.outcome);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None);
                started = true;
                pending.Add(task);
                if (pdb >= 0)
                {
                    pdbTail[pdb] = task;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                stopped = true;
                break;
            }
            finally
            {
                if (!started)
                {
                    slots.Release();
                }
            }
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
        bool cancelled = cancellationToken.IsCancellationRequested;
        if (!cancelled && (stopped || stop.IsCancellationRequested))
        {
            run.Abort("the run lost its lease: " + (_options.Lease?.LostReason ?? "another run may be running"));
        }

        string notAttempted = run.AbortReason is not null ? "not attempted: " + run.AbortReason : "not attempted: the run was cancelled";
        var outcomes = new ExecutionOutcome[evictions.Count];
        for (int i = 0; i < outcomes.Length; i++)
        {
            if (run.Outcomes[i] is { } settled)
            {
                outcomes[i] = settled;
                continue;
            }

            outcomes[i] = new ExecutionOutcome(EvictionOutcomeKind.NotAttempted, 0, null, notAttempted);
            Notify(plan, i, outcomes[i]);
        }

        // Not the run's token: a cancelled run, or one that lost its lease, must not leave a half-drained node cordoned,
        // and its markers must say how each drain ended.
        var finishes = new Dictionary<int, DrainFinish>();
        foreach (int drain in cordons.Sent())
        {
            string node = plan.Snapshot.Nodes.Name[cordons.NodeOf(drain)];
            DrainFinish? finish = cordons.FinishOf(drain, outcomes, IsServerDryRun);
            if (finish is not { } step)
            {
                continue;
            }

            var request = new CordonRequest(node, step.Uncordon ? false : null, IsServerDryRun)
            {
                Annotations = step.Uncordon ? CordonMarker.Removed : CordonMarker.Finished(step.State!),
            };
            PatchResult result = await _nodes.PatchAsync(request, CancellationToken.None).ConfigureAwait(false);
            finishes[drain] = step with { Result = result };
            NotifyNode(node, cordons.PluginOf(drain), step.Uncordon ? NodeChangeKind.Uncordon : NodeChangeKind.MarkDrain, result,
                step.Uncordon ? cordons.Progress(drain, outcomes) : $"drain {step.State}");
        }

        return new ExecutionResult(plan, outcomes, cancelled, run.AbortReason, cordons.Outcomes(outcomes, finishes, notAttempted));
    }

    /// <summary>Records an outcome decided in the dispatch loop (not sent) and tells the observer.</summary>
    private void Settled(Plan plan, Run run, int index, ExecutionOutcome outcome)
    {
        run.Outcomes[index] = outcome;
        Notify(plan, index, outcome);
    }

    private void Notify(Plan plan, int index, ExecutionOutcome outcome)
    {
        if (_options.Observer is not { } observer)
        {
            return;
        }

        ClusterSnapshot snapshot = plan.Snapshot;
        PlannedEviction eviction = plan.Evictions[index];
        observer.EvictionSettled(new EvictionRecord(
            snapshot.Strings[snapshot.Pods.Namespace[eviction.Pod]],
            snapshot.Pods.Name[eviction.Pod],
            snapshot.Pods.Uid[eviction.Pod],
            eviction.Node >= 0 ? snapshot.Nodes.Name[eviction.Node] : null,
            eviction.Profile,
            eviction.Plugin,
            eviction.Reason,
            outcome,
            IsServerDryRun));
    }

    private void NotifyNode(string node, string plugin, NodeChangeKind kind, PatchResult result, string why) =>
        _options.Observer?.NodeChanged(new NodeChange(node, kind, plugin, why, result.Succeeded, result.Attempts, result.Status, result.Message, IsServerDryRun));

    private bool IsServerDryRun => _options.Mode == ExecutionMode.ServerDryRun;

    /// <summary>How many times a cordon re-reads the node after its PATCH met a changed node (409) before giving up.</summary>
    private const int CordonRounds = 3;

    /// <summary>
    /// Cordons <paramref name="drain"/>'s node, with this run's marker in the same PATCH; false when the run was cancelled
    /// before anything was written. The node is read first, because the snapshot may be stale: one that is unschedulable
    /// by now without this run's marker was cordoned by someone else, and is left exactly as it is (never marked, never
    /// uncordoned); otherwise the PATCH carries the read's resourceVersion, so a node changed in between is read again
    /// rather than overwritten. A node carrying this run's marker is this run's own cordon (an attempt whose answer was lost).
    /// </summary>
    private async Task<bool> CordonAsync(Plan plan, DrainCordons cordons, int drain, CancellationToken cancellationToken)
    {
        string node = plan.Snapshot.Nodes.Name[cordons.NodeOf(drain)];
        int patches = 0;
        bool ambiguous = false;
        PatchResult last = default;
        for (int round = 1; ; round++)
        {
            (PatchResult read, NodeState? state) = await _nodes.ReadAsync(node, cancellationToken).ConfigureAwait(false);
            if (read.Attempts == 0)
            {
                return patches > 0 && Recorded(new PatchResult(false, patches, last.Status, "the run was cancelled before the cordon was confirmed", ambiguous));
            }

            if (!read.Succeeded)
            {
                return Recorded(new PatchResult(false, patches, read.Status, "reading the node before cordoning it failed: " + read.Message, ambiguous));
            }

            if (state!.Unschedulable)
            {
                if (state.CordonedBy == _options.RunId)
                {
                    return Recorded(new PatchResult(true, patches, last.Status, null, Ambiguous: false));
                }

                cordons.RecordFoundCordoned(drain);
                return true;
            }

            var request = new CordonRequest(node, Unschedulable: true, IsServerDryRun)
            {
                Annotations = CordonMarker.Cordoning(_options.RunId, _time.GetUtcNow()),
                ResourceVersion = state.ResourceVersion,
            };
            last = await _nodes.PatchAsync(request, cancellationToken).ConfigureAwait(false);
            if (last.Attempts == 0)
            {
                return patches > 0 && Recorded(new PatchResult(false, patches, null, "the run was cancelled before the cordon was confirmed", ambiguous));
            }

            patches += last.Attempts;
            ambiguous |= last.Ambiguous;
            if (last.Status != 409 || round == CordonRounds)
            {
                return Recorded(last with { Attempts = patches, Ambiguous = ambiguous });
            }

            // 409: the node changed since it was read (or an attempt whose answer was lost cordoned it): read it again.
        }

        bool Recorded(PatchResult result)
        {
            cordons.Record(drain, result);
            NotifyNode(node, cordons.PluginOf(drain), NodeChangeKind.Cordon, result, $"before draining it ({cordons.EvictionCount(drain)} planned evictions)");
            return true;
        }
    }

    /// <summary>The NotAttempted outcome of an eviction from a node whose cordon failed; null when it did not fail.</summary>
    private static ExecutionOutcome? NotCordoned(Plan plan, DrainCordons cordons, int drain) =>
        cordons.CordonOf(drain) is { Succeeded: false } failed
            ? new ExecutionOutcome(EvictionOutcomeKind.NotAttempted, 0, null,
                $"not attempted: cordoning {plan.Snapshot.Nodes.Name[cordons.NodeOf(drain)]} failed ({failed.Message}); no pod is evicted from a node that could not be cordoned")
            : null;

    /// <summary>Sends one eviction with retries; the outcome, and whether it must be counted as an eviction that happened.</summary>
    private async Task<(ExecutionOutcome Outcome, bool Counted)> EvictOneAsync(Plan plan, PlannedEviction eviction, CancellationToken cancellationToken)
    {
        ClusterSnapshot snapshot = plan.Snapshot;
        int pod = eviction.Pod;
        string uid = snapshot.Pods.Uid[pod];
        if (string.IsNullOrEmpty(uid))
        {
            return (new ExecutionOutcome(EvictionOutcomeKind.Failed, 0, null, "the snapshot has no uid for this pod; refusing to evict without a uid precondition"), false);
        }

        var request = new EvictionRequest(
            snapshot.Strings[snapshot.Pods.Namespace[pod]],
            snapshot.Pods.Name[pod],
            uid,
            _options.GracePeriodSeconds,
            _options.Mode == ExecutionMode.ServerDryRun,
            $"{eviction.Profile}/{eviction.Plugin}: {eviction.Reason}");

        int attempts = 0;
        bool ambiguous = false;
        Attempt last = default;
        DateTimeOffset pdbDeadline = _time.GetUtcNow() + _options.PdbRetryTimeout;
        int pdbRetries = 0;
        while (true)
        {
            try
            {
                last = await _pipeline.ExecuteAsync(
                    async _ =>
                    {
                        // The run's token is deliberately not passed on: a request in flight completes (or times out),
                        // so its effect is known. Cancellation stops the retries between attempts.
                        attempts++;
                        Attempt attempt = await SendAsync(timeout => _api.EvictAsync(request, timeout), Classify, _options.RequestTimeout).ConfigureAwait(false);
                        ambiguous |= attempt.Ambiguous;
                        last = attempt;
                        return attempt;
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Finish(last, attempts, ambiguous, cancelled: true);
            }

            if (last.Class == ResponseClass.PdbBlocked && _options.PdbRetryTimeout > TimeSpan.Zero && !cancellationToken.IsCancellationRequested)
            {
                TimeSpan delay = last.RetryAfter ?? Min(_options.PdbRetryDelay * Math.Pow(2, Math.Min(pdbRetries, 16)), _options.RetryMaxDelay);
                pdbRetries++;
                if (_time.GetUtcNow() + delay <= pdbDeadline)
                {
                    try
                    {
                        await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    catch (OperationCanceledException)
                    {
                        return Finish(last, attempts, ambiguous, cancelled: true);
                    }
                }
            }

            return Finish(last, attempts, ambiguous, cancelled: false);
        }
    }

    /// <summary>One request with its own timeout; any answer, a timeout or a transport failure as an <see cref="Attempt"/>.</summary>
    internal static async Task<Attempt> SendAsync(Func<CancellationToken, Task<EvictionResponse>> send, Func<EvictionResponse, ResponseClass> classify, TimeSpan requestTimeout)
    {
        using var timeout = new CancellationTokenSource(requestTimeout);
        try
        {
            EvictionResponse response = await send(timeout.Token).ConfigureAwait(false);
            return Attempt.From(response, classify(response));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Attempt.Failure(string.Create(CultureInfo.InvariantCulture, $"no answer within {requestTimeout.TotalSeconds:0.###} s"), ambiguous: true);
        }
        catch (HttpRequestException e)
        {
            // Refused before anything was sent: the eviction certainly did not happen.
            bool ambiguous = e.HttpRequestError != HttpRequestError.ConnectionError;
            return Attempt.Failure(KubernetesConnection.TransportMessage(e), ambiguous);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            return Attempt.Failure(e.Message, ambiguous: true);
        }
    }

    /// <summary>The outcome of the last attempt, in the executor's mode.</summary>
    private (ExecutionOutcome, bool Counted) Finish(Attempt last, int attempts, bool ambiguous, bool cancelled)
    {
        if (attempts == 0)
        {
            return (new ExecutionOutcome(EvictionOutcomeKind.NotAttempted, 0, null, "not attempted: the run was cancelled"), false);
        }

        string prefix = cancelled && last.IsTransient ? "the run was cancelled before the next retry; " : string.Empty;
        bool dryRun = _options.Mode == ExecutionMode.ServerDryRun;
        (EvictionOutcomeKind kind, string? message, bool counted) = last.Class switch
        {
            ResponseClass.Success => (dryRun ? EvictionOutcomeKind.ServerDryRunAccepted : EvictionOutcomeKind.Evicted, (string?)null, true),
            ResponseClass.NotFound when !dryRun && ambiguous =>
                (EvictionOutcomeKind.NotFound, "the pod is gone after an attempt whose answer was lost; it was probably evicted by that attempt", true),
            ResponseClass.NotFound => (dryRun ? EvictionOutcomeKind.ServerDryRunRejected : EvictionOutcomeKind.NotFound, "the pod no longer exists: " + last.Message, false),
            ResponseClass.Conflict => (dryRun ? EvictionOutcomeKind.ServerDryRunRejected : EvictionOutcomeKind.PreconditionFailed,
                "the pod was replaced or changed since the snapshot (uid precondition): " + last.Message, false),
            ResponseClass.PdbBlocked or ResponseClass.PdbNotReady => (dryRun ? EvictionOutcomeKind.ServerDryRunRejected : EvictionOutcomeKind.BlockedByPdb,
                "blocked by its PodDisruptionBudget: " + last.Message, false),
            ResponseClass.MultiplePdbs => (dryRun ? EvictionOutcomeKind.ServerDryRunRejected : EvictionOutcomeKind.MultiplePdbs,
                "selected by more than one PodDisruptionBudget: " + last.Message, false),
            ResponseClass.Rejected => (dryRun ? EvictionOutcomeKind.ServerDryRunRejected : EvictionOutcomeKind.Failed, last.Message, false),

            // Retries exhausted. An attempt whose answer was lost may have evicted the pod: count it, to stay on the safe side.
            _ => (EvictionOutcomeKind.Failed, (ambiguous ? "the outcome is unknown (an answer was lost); " : string.Empty) + last.Message, ambiguous && !dryRun),
        };
        // No message is null, never "": a log line or report then says nothing rather than an empty "HTTP 201: ".
        return (new ExecutionOutcome(kind, attempts, last.Status, message is null && prefix.Length == 0 ? null : prefix + message), counted);
    }

    internal static ResponseClass Classify(EvictionResponse response)
    {
        int code = response.StatusCode;
        ApiStatus status = response.Status;
        return code switch
        {
            >= 200 and < 300 => ResponseClass.Success,
            404 => ResponseClass.NotFound,
            409 => ResponseClass.Conflict,
            429 when status.HasCause("DisruptionBudget") => response.RetryAfter is null ? ResponseClass.PdbBlocked : ResponseClass.PdbNotReady,
            429 => ResponseClass.Throttled,

            // The multi-PDB refusal is a Status with code 500 and no reason (finisher.go); a proxy's 500 page is not.
            500 when status.IsStatus && status.Reason is null => ResponseClass.MultiplePdbs,
            >= 500 => ResponseClass.ServerError,
            408 => ResponseClass.ServerError,
            _ => ResponseClass.Rejected,
        };
    }

    /// <summary>
    /// A node PATCH's answer. No PDB or multi-PDB meanings here: a 429 is throttling and a 500 a server error, both
    /// retried; a PATCH setting one field is idempotent, so retrying after a lost answer is safe.
    /// </summary>
    internal static ResponseClass ClassifyPatch(EvictionResponse response) => response.StatusCode switch
    {
        >= 200 and < 300 => ResponseClass.Success,
        404 => ResponseClass.NotFound,
        409 => ResponseClass.Conflict,
        429 => ResponseClass.Throttled,
        >= 500 or 408 => ResponseClass.ServerError,
        _ => ResponseClass.Rejected,
    };

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The <c>evict</c> span of one planned eviction (a child of the caller's span), linked to the plugin run that planned it.</summary>
    private Activity? StartSpan(Plan plan, PlannedEviction eviction)
    {
        ActivitySource source = RebalancerTelemetry.Source;
        if (!source.HasListeners())
        {
            return null;
        }

        ActivityContext proposer = _options.ProposedBy?.Invoke(eviction) ?? default;
        ActivityLink[]? links = proposer == default ? null : [new ActivityLink(proposer)];
        Activity? span = source.StartActivity(SpanNames.Evict, ActivityKind.Internal, parentContext: default, links: links);
        if (span is not null)
        {
            ClusterSnapshot snapshot = plan.Snapshot;
            span.SetTag(SpanAttributes.NamespaceName, snapshot.Strings[snapshot.Pods.Namespace[eviction.Pod]]);
            span.SetTag(SpanAttributes.PodName, snapshot.Pods.Name[eviction.Pod]);
            span.SetTag(SpanAttributes.NodeName, eviction.Node >= 0 ? snapshot.Nodes.Name[eviction.Node] : null);
            span.SetTag(SpanAttributes.Profile, eviction.Profile);
            span.SetTag(SpanAttributes.Plugin, eviction.Plugin);
        }

        return span;
    }

    /// <summary>Records the outcome; only <see cref="EvictionOutcomeKind.Failed"/> is an error (a PDB refusal is an expected answer).</summary>
    private static void Describe(Activity? span, ExecutionOutcome outcome)
    {
        if (span is null)
        {
            return;
        }

        span.SetTag(SpanAttributes.Outcome, outcome.Outcome.ToString());
        span.SetTag(SpanAttributes.Attempts, outcome.Attempts);
        if (outcome.HttpStatus is int status)
        {
            span.SetTag(SpanAttributes.HttpStatusCode, status);
        }

        if (outcome.Outcome == EvictionOutcomeKind.Failed)
        {
            span.SetStatus(ActivityStatusCode.Error, outcome.Message);
        }
    }

    /// <summary>One attempt's result as a value, so the Polly pipeline handles results, never exceptions.</summary>
    internal readonly record struct Attempt(ResponseClass Class, int? Status, string Message, TimeSpan? RetryAfter, bool Ambiguous)
    {
        public bool IsTransient => Class is ResponseClass.PdbNotReady or ResponseClass.Throttled or ResponseClass.ServerError or ResponseClass.Transport;

        public static Attempt From(EvictionResponse response, ResponseClass responseClass) =>
            new(responseClass, response.StatusCode, response.Status.Describe(response.StatusCode), response.RetryAfter, Ambiguous: false);

        public static Attempt Failure(string message, bool ambiguous) => new(ResponseClass.Transport, null, message, null, ambiguous);
    }

    /// <summary>The run's shared state: the ledger, exhausted PDBs, limit counters, outcomes. All access is under a lock.</summary>
    private sealed class Run
    {
        private readonly Lock _gate = new();
        private readonly ClusterSnapshot _snapshot;
        private readonly bool[] _exhausted;
        private readonly int[] _perNode;
        private readonly Dictionary<int, int> _perNamespace = [];
        private int _total;
        private int _consecutiveFailures;

        public Run(Plan plan)
        {
            _snapshot = plan.Snapshot;
            Ledger = new PdbLedger(plan.Snapshot);
            _exhausted = new bool[Ledger.Count];
            _perNode = new int[plan.Snapshot.Nodes.Count];
            Outcomes = new ExecutionOutcome?[plan.Evictions.Count];
        }

        public PdbLedger Ledger { get; }

        public ExecutionOutcome?[] Outcomes { get; }

        public string? AbortReason { get; private set; }

        /// <summary>
        /// Re-checks the budget and the limits just before the call; null admits the eviction and reserves its limit
        /// counts (in-flight evictions count until they settle), otherwise the outcome of a refusal.
        /// </summary>
        public ExecutionOutcome? Admit(PlannedEviction eviction, int pdb, EvictionExecutorOptions options, out bool spendsBudget)
        {
            lock (_gate)
            {
                spendsBudget = false;
                if (pdb == PdbLedger.MultiplePdbs)
                {
                    return new ExecutionOutcome(EvictionOutcomeKind.MultiplePdbs, 0, null, "selected by more than one PodDisruptionBudget in the snapshot; not sent (the API server refuses such evictions)");
                }

                Protection? protection = Ledger.Check(eviction.Pod, out spendsBudget);
                if (protection is Protection p)
                {
                    return new ExecutionOutcome(EvictionOutcomeKind.BlockedByPdb, 0, null, "not sent: " + p.Detail);
                }

                if (spendsBudget && _exhausted[pdb])
                {
                    return new ExecutionOutcome(EvictionOutcomeKind.BlockedByPdb, 0, null,
                        $"not sent: PodDisruptionBudget {Ledger.Describe(pdb)} refused an eviction earlier in this run (HTTP 429); its budget is treated as 0");
                }

                int node = eviction.Node;
                int ns = _snapshot.Pods.Namespace[eviction.Pod];
                if (options.MaxPodsToEvictTotal is uint total && _total >= total)
                {
                    return new ExecutionOutcome(EvictionOutcomeKind.BlockedByLimit, 0, null, $"not sent: maxNoOfPodsToEvictTotal {total} reached");
                }

                if (options.MaxPodsToEvictPerNode is uint perNode && node >= 0 && _perNode[node] >= perNode)
                {
                    return new ExecutionOutcome(EvictionOutcomeKind.BlockedByLimit, 0, null, $"not sent: maxNoOfPodsToEvictPerNode {perNode} reached on {_snapshot.Nodes.Name[node]}");
                }

                if (options.MaxPodsToEvictPerNamespace is uint perNamespace && _perNamespace.GetValueOrDefault(ns) >= perNamespace)
                {
                    return new ExecutionOutcome(EvictionOutcomeKind.BlockedByLimit, 0, null, $"not sent: maxNoOfPodsToEvictPerNamespace {perNamespace} reached in {_snapshot.Strings[ns]}");
                }

                Reserve(node, ns, +1);
                return null;
            }
        }

        /// <summary>Records an outcome: spends the budget of an eviction that happened, releases the limit reservation of one that did not.</summary>
        public void Settle(int index, PlannedEviction eviction, int pdb, bool spendsBudget, ExecutionOutcome outcome, bool counted, EvictionExecutorOptions options)
        {
            lock (_gate)
            {
                Outcomes[index] = outcome;
                if (counted)
                {
                    if (spendsBudget && pdb >= 0)
                    {
                        if (Ledger.Remaining(pdb) > 0)
                        {
                            Ledger.Spend(eviction.Pod);
                        }
                        else
                        {
                            _exhausted[pdb] = true;
                        }
                    }
                }
                else
                {
                    Reserve(eviction.Node, _snapshot.Pods.Namespace[eviction.Pod], -1);
                }

                bool pdbRefused = outcome.Outcome == EvictionOutcomeKind.BlockedByPdb
                    || (outcome.Outcome == EvictionOutcomeKind.ServerDryRunRejected && outcome.HttpStatus == 429);
                if (pdbRefused && pdb >= 0)
                {
                    _exhausted[pdb] = true; // The server is the authority: no more tries against this budget in this run.
                }

                if (outcome.Outcome == EvictionOutcomeKind.Failed)
                {
                    _consecutiveFailures++;
                    if (_consecutiveFailures >= options.MaxConsecutiveFailures && AbortReason is null)
                    {
                        AbortReason = $"{_consecutiveFailures} evictions failed in a row (last: {outcome.Message}); the run stopped";
                    }
                }
                else if (outcome.Attempts > 0)
                {
                    _consecutiveFailures = 0;
                }
            }
        }

        /// <summary>Stops the run for <paramref name="reason"/> unless it already stopped for another.</summary>
        public void Abort(string reason)
        {
            lock (_gate)
            {
                AbortReason ??= reason;
            }
        }

        private void Reserve(int node, int ns, int delta)
        {
            _total += delta;
            if (node >= 0)
            {
                _perNode[node] += delta;
            }

            _perNamespace[ns] = _perNamespace.GetValueOrDefault(ns) + delta;
        }
    }
}
