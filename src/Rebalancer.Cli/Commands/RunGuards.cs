using Microsoft.Extensions.Logging;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.Consolidation;
using Rebalancer.Kubernetes.Live;

namespace Rebalancer.Cli.Commands;

/// <summary>
/// What a real run (not a dry run) does around its evictions to coordinate with other runs and to tell the cluster what
/// it did (docs/live-clusters.md): it takes the lease before reading the cluster and holds it to the end, so runs never
/// overlap; finishes the drains of a run that was killed mid-drain; and records a Kubernetes Event per eviction and per
/// cordon. Every outcome worth a reader's attention is logged and collected in <see cref="Warnings"/> for the report.
/// </summary>
internal sealed class RunGuards : IAsyncDisposable
{
    private readonly ILogger _logger;
    private KubernetesEventRecorder? _recorder;
    private bool _finished;

    private RunGuards(string runId, ILogger logger)
    {
        RunId = runId;
        _logger = logger;
    }

    public string RunId { get; }

    /// <summary>The lease this run holds; null when it holds none (dry runs, or it could not take it).</summary>
    public RunLease? Lease { get; private set; }

    /// <summary>Another run holds the lease: this run must not act.</summary>
    public LeaseHeld? Held { get; private set; }

    /// <summary>The lease could not be read or written: the run stops before reading the cluster.</summary>
    public string? Unavailable { get; private set; }

    /// <summary>Records Events of the run's evictions and node changes; null when none are recorded.</summary>
    public IExecutionObserver? Events { get; private set; }

    public List<string> Warnings { get; } = [];

    /// <summary>A dry run: no lease, no sweep, no events.</summary>
    public static RunGuards None(ILogger logger) => new(RunIdentity.Create(), logger);

    /// <summary>
    /// Takes the lease; when it is this run's, starts the event recorder and sweeps interrupted drains. A cancellation
    /// meanwhile makes the lease <see cref="Unavailable"/> (the run stops; a lease taken is released on disposal).
    /// </summary>
    public static async Task<RunGuards> StartAsync(KubernetesConnection connection, RunDependencies dependencies, string leaseNamespace,
        DeschedulerPolicy policy, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var guards = new RunGuards(RunIdentity.Create(), logger);
        try
        {
            await guards.StartAsync(connection, dependencies, leaseNamespace, policy, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            guards.Unavailable = "cancelled before the cluster was read";
            Log.LeaseUnavailable(logger, guards.Unavailable);
        }

        return guards;
    }

    private async Task StartAsync(KubernetesConnection connection, RunDependencies dependencies, string leaseNamespace,
        DeschedulerPolicy policy, TimeProvider time, CancellationToken cancellationToken)
    {
        RunGuards guards = this;
        ILogger logger = _logger;
        RunLeaseOptions leaseOptions = dependencies.Lease with { Namespace = leaseNamespace };
        switch (await RunLease.AcquireAsync(connection.Client, guards.RunId, leaseOptions, time, cancellationToken).ConfigureAwait(false))
        {
            case LeaseUnavailable unavailable:
                guards.Unavailable = unavailable.Problem;
                Log.LeaseUnavailable(logger, unavailable.Problem);
                return;
            case LeaseHeld held:
                guards.Held = held;
                Log.LeaseHeld(logger, held.Describe());
                guards.Warnings.Add(held.Describe() + ": this run planned but evicted nothing (exit code 1)");
                return;
            case LeaseAcquired acquired:
                RunLease lease = acquired.Lease;
                guards.Lease = lease;
                Log.LeaseAcquired(logger, $"{lease.Namespace}/{lease.Name}", lease.Identity, lease.TakenOverFrom is null ? string.Empty : ", " + lease.DescribeTakeover());
                if (lease.TakenOverFrom is not null)
                {
                    guards.Warnings.Add($"the lease {lease.Namespace}/{lease.Name} was {lease.DescribeTakeover()}");
                }

                break;
        }

        guards._recorder = new KubernetesEventRecorder(connection.Client, guards.RunId, dependencies.Events, time, problem => Log.EventNotRecorded(logger, problem));
        guards.Events = new EventingObserver(guards._recorder);
        var sweep = new InterruptedDrainSweep(connection, dependencies.CreateApi(connection, time), guards.RunId, observer: guards.Events, time: time);
        InterruptedDrainSweepResult swept = await sweep.RunAsync(UncordonOnIncompleteDrain(policy), cancellationToken).ConfigureAwait(false);
        foreach (InterruptedDrain drain in swept.Drains)
        {
            Log.InterruptedDrain(logger, drain.Describe());
            guards.Warnings.Add(drain.Describe());
        }

        if (swept.Problem is { } problem)
        {
            Log.InterruptedDrainSweepFailed(logger, problem);
            guards.Warnings.Add(problem);
        }

    }

    /// <summary>
    /// What an interrupted run's cordon gets: what that run would have done at its end under this policy's Consolidation
    /// <c>uncordonOnIncompleteDrain</c> — true unless every Consolidation configured says false (and true without one,
    /// so a cordon left by an earlier policy does not stay forever).
    /// </summary>
    internal static bool UncordonOnIncompleteDrain(DeschedulerPolicy policy)
    {
        List<ConsolidationSettings> consolidations = [.. policy.Profiles
            .SelectMany(p => p.Deschedule.Concat(p.Balance))
            .Select(plugin => plugin.Settings)
            .OfType<ConsolidationSettings>()];
        return consolidations.Count == 0 || consolidations.Any(c => c.UncordonOnIncompleteDrain);
    }

    /// <summary>Sends the events still queued (bounded), releases the lease; problems go to the log and <see cref="Warnings"/>.</summary>
    public async Task FinishAsync()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_recorder is not null)
        {
            EventRecorderSummary events = await _recorder.CompleteAsync().ConfigureAwait(false);
            Log.EventsSummary(_logger, events.Recorded, events.Failed, events.Dropped);
            if (events.Failed + events.Dropped > 0)
            {
                Warnings.Add($"{events.Failed + events.Dropped} of {events.Recorded + events.Failed + events.Dropped} Kubernetes Events could not be recorded " +
                    $"({events.Failed} failed, {events.Dropped} dropped)" + (events.FirstFailure is { } first ? "; the first: " + first : string.Empty));
            }
        }

        if (Lease is { } lease)
        {
            if (lease.LostReason is { } lost)
            {
                Log.LeaseLost(_logger, lost);
                Warnings.Add($"the run lost its lease {lease.Namespace}/{lease.Name}: {lost}");
            }

            if (await lease.ReleaseAsync().ConfigureAwait(false) is { } problem)
            {
                Log.LeaseNotReleased(_logger, problem);
                Warnings.Add(problem);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await FinishAsync().ConfigureAwait(false);
        if (Lease is not null)
        {
            await Lease.DisposeAsync().ConfigureAwait(false);
        }

        if (_recorder is not null)
        {
            await _recorder.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Logs each eviction and node change as it happens (item 13 of issue 17: a killed run's log shows what it did).</summary>
internal sealed class LogObserver(ILogger logger) : IExecutionObserver
{
    public void EvictionSettled(EvictionRecord eviction) =>
        Log.EvictionOutcome(logger, eviction.Outcome.Outcome.ToString(), eviction.Namespace, eviction.Pod, eviction.Node ?? "?", eviction.Plugin, eviction.Outcome.Describe());

    public void NodeChanged(NodeChange change)
    {
        string what = change.Kind switch
        {
            NodeChangeKind.Cordon => "cordon",
            NodeChangeKind.Uncordon or NodeChangeKind.UncordonInterrupted => "uncordon",
            _ => "mark",
        } + (change.DryRun ? " (server dry run)" : string.Empty);
        if (change.Succeeded)
        {
            Log.NodeChanged(logger, what, change.Node, change.Reason, change.Detail, change.Describe());
        }
        else
        {
            Log.NodeChangeFailed(logger, what, change.Node, change.Reason, change.Detail, change.Describe());
        }
    }
}
