using System.Globalization;
using Polly;
using Rebalancer.Core.Planning;

namespace Rebalancer.Kubernetes.Live;

/// <summary>What happened to the schedulability of one node the plan drains (Consolidation's or HighNodeUtilization's <c>cordon</c> arg).</summary>
public enum CordonOutcomeKind
{
    /// <summary>Cordoned before its evictions and left cordoned: the drain completed (or uncordoning is turned off).</summary>
    Cordoned,

    /// <summary>Cordoned, then uncordoned at the end of the run because the drain did not complete.</summary>
    Uncordoned,

    /// <summary>The cordon PATCH failed: none of the node's evictions was attempted.</summary>
    CordonFailed,

    /// <summary>The drain did not complete and the uncordon PATCH failed: the node is still cordoned.</summary>
    UncordonFailed,

    /// <summary>
    /// Unschedulable in the snapshot, or without this run's marker when the run came to cordon it: someone else cordoned
    /// it; it was neither cordoned nor uncordoned (its evictions went ahead).
    /// </summary>
    AlreadyCordoned,

    /// <summary>Not sent: the run was cancelled or aborted before the node's evictions.</summary>
    NotAttempted,

    /// <summary>Client dry run: nothing was sent.</summary>
    DryRun,
}

/// <summary>The result of cordoning one drained node: a value, never an exception.</summary>
/// <param name="Node">Node index in the snapshot.</param>
/// <param name="Attempts">PATCH requests sent, cordon and uncordon together (0 when none was).</param>
/// <param name="HttpStatus">The last HTTP status, when the server answered.</param>
public sealed record NodeCordonOutcome(int Node, CordonOutcomeKind Outcome, int Attempts, int? HttpStatus, string? Message)
{
    /// <summary><c>2 PATCH attempts, HTTP 200</c> (with the message when there is one), or the message alone when nothing was sent.</summary>
    public string Describe() => Attempts == 0
        ? Message ?? "no PATCH sent"
        : ExecutionOutcome.DescribeAttempts(Attempts, "PATCH attempt", HttpStatus, Message);
}

/// <summary>One node PATCH with its retries, as a value.</summary>
/// <param name="Ambiguous">An attempt's answer was lost: the PATCH may have been applied even though it did not succeed.</param>
internal readonly record struct PatchResult(bool Succeeded, int Attempts, int? Status, string? Message, bool Ambiguous);

/// <summary>
/// The annotations Rebalancer sets on a node in the same PATCH that cordons it, so that a later run can tell its own
/// cordons from anyone else's and finish what a run killed mid-drain (OOM kill, deadline, SIGKILL) left behind
/// (docs/live-clusters.md, "Cordon markers"). A node cordoned without them (by a person, an autoscaler, kubectl drain)
/// is never uncordoned by Rebalancer.
/// </summary>
public static class CordonMarker
{
    /// <summary>The identity of the run that cordoned the node (its lease holder identity, <see cref="RunIdentity"/>).</summary>
    public const string CordonedBy = "rebalancer.io/cordoned-by";

    /// <summary>When the node was cordoned (RFC 3339, UTC).</summary>
    public const string CordonedAt = "rebalancer.io/cordoned-at";

    /// <summary>How the drain stands: <see cref="InProgress"/>, then <see cref="Complete"/> or <see cref="Incomplete"/>.</summary>
    public const string Drain = "rebalancer.io/drain";

    /// <summary>Set with the cordon; still there after the run only when the run died before its end.</summary>
    public const string InProgress = "in-progress";

    /// <summary>Every planned pod of the node is gone; the node stays cordoned (for the autoscaler to remove).</summary>
    public const string Complete = "complete";

    /// <summary>The drain did not complete and <c>uncordonOnIncompleteDrain: false</c> left the node cordoned.</summary>
    public const string Incomplete = "incomplete";

    public static IReadOnlyList<KeyValuePair<string, string?>> Cordoning(string runId, DateTimeOffset at) =>
    [
        new(CordonedBy, runId),
        new(CordonedAt, at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        new(Drain, InProgress),
    ];

    /// <summary>Removes every marker (with an uncordon).</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Removed { get; } = [new(CordonedBy, null), new(CordonedAt, null), new(Drain, null)];

    /// <summary>Records how the drain ended (the node stays cordoned).</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Finished(string state) => [new(Drain, state)];
}

/// <summary>The last step of a drain the run cordoned: uncordon it (removing the marker), or record how it ended.</summary>
/// <param name="State">The marker's final state when the node stays cordoned; null with <paramref name="Uncordon"/>.</param>
internal readonly record struct DrainFinish(bool Uncordon, string? State, PatchResult Result = default);

/// <summary>One node PATCH (or GET) with the executor's retries (5xx, throttling, lost answers); any answer is a value.</summary>
internal sealed class NodePatcher(IEvictionApi api, ResiliencePipeline<EvictionExecutor.Attempt> pipeline, TimeSpan requestTimeout)
{
    public Task<PatchResult> PatchAsync(CordonRequest request, CancellationToken cancellationToken) =>
        SendAsync(timeout => api.CordonAsync(request, timeout), cancellationToken);

    /// <summary>Reads the node; <see cref="PatchResult.Attempts"/> counts GETs. The node is null unless the read succeeded.</summary>
    public async Task<(PatchResult Result, NodeState? Node)> ReadAsync(string node, CancellationToken cancellationToken)
    {
        NodeState? state = null;
        PatchResult result = await SendAsync(
            async timeout =>
            {
                EvictionResponse response = await api.ReadNodeAsync(node, timeout).ConfigureAwait(false);
                state = response.Node;
                return response;
            },
            cancellationToken).ConfigureAwait(false);
        return result.Succeeded && state is null
            ? (result with { Succeeded = false, Message = "the server's answer was not a readable Node" }, null)
            : (result, result.Succeeded ? state : null);
    }

    private async Task<PatchResult> SendAsync(Func<CancellationToken, Task<EvictionResponse>> send, CancellationToken cancellationToken)
    {
        int attempts = 0;
        bool ambiguous = false;
        EvictionExecutor.Attempt last = default;
        try
        {
            last = await pipeline.ExecuteAsync(
                async _ =>
                {
                    attempts++;
                    EvictionExecutor.Attempt attempt = await EvictionExecutor.SendAsync(send, EvictionExecutor.ClassifyPatch, requestTimeout).ConfigureAwait(false);
                    ambiguous |= attempt.Ambiguous;
                    last = attempt;
                    return attempt;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (attempts == 0)
            {
                return new PatchResult(false, 0, null, "the run was cancelled", Ambiguous: false);
            }

            return new PatchResult(false, attempts, last.Status, "the run was cancelled before the next retry; " + last.Message, ambiguous);
        }

        return last.Class == EvictionExecutor.ResponseClass.Success
            ? new PatchResult(true, attempts, last.Status, null, ambiguous)
            : new PatchResult(false, attempts, last.Status, last.Message, ambiguous);
    }
}

/// <summary>
/// The run's view of the drained nodes to cordon: which drain each planned eviction belongs to, and how each drain's
/// cordon went. Only the executor's dispatch loop and its final step use it, one at a time, so it takes no lock.
/// </summary>
internal sealed class DrainCordons
{
    private readonly DrainedNode[] _drains;
    private readonly Dictionary<int, int> _drainOfEviction = [];
    private readonly List<int>[] _evictions;
    private readonly PatchResult?[] _cordons;
    private readonly bool[] _foundCordoned;

    private DrainCordons(Plan plan)
    {
        _drains = [.. plan.Drains.Where(d => d.Cordon != CordonAction.None)];
        _evictions = new List<int>[_drains.Length];
        _cordons = new PatchResult?[_drains.Length];
        _foundCordoned = new bool[_drains.Length];
        var drainOfPod = new Dictionary<int, int>();
        for (int d = 0; d < _drains.Length; d++)
        {
            _evictions[d] = [];
            if (_drains[d].Cordon == CordonAction.Cordon)
            {
                foreach ((int pod, _) in _drains[d].Moves)
                {
                    drainOfPod[pod] = d;
                }
            }
        }

        for (int i = 0; i < plan.Evictions.Count; i++)
        {
            if (drainOfPod.TryGetValue(plan.Evictions[i].Pod, out int d))
            {
                _drainOfEviction[i] = d;
                _evictions[d].Add(i);
            }
        }
    }

    public static DrainCordons Of(Plan plan) => new(plan);

    /// <summary>The outcomes of a client dry run: nothing is sent.</summary>
    public static IReadOnlyList<NodeCordonOutcome> ClientDryRun(Plan plan) =>
        [.. new DrainCordons(plan)._drains.Select(d => d.Cordon == CordonAction.AlreadyCordoned
            ? AlreadyCordoned(d.Node)
            : new NodeCordonOutcome(d.Node, CordonOutcomeKind.DryRun, 0, null, null))];

    /// <summary>The outcomes of a run that sent nothing: <paramref name="message"/> for each node to cordon.</summary>
    public static IReadOnlyList<NodeCordonOutcome> NotStarted(Plan plan, string message) =>
        [.. new DrainCordons(plan)._drains.Select(d => d.Cordon == CordonAction.AlreadyCordoned
            ? AlreadyCordoned(d.Node)
            : new NodeCordonOutcome(d.Node, CordonOutcomeKind.NotAttempted, 0, null, message))];

    /// <summary>The drain (index) eviction <paramref name="eviction"/> belongs to, when its node is to be cordoned; else -1.</summary>
    public int DrainOf(int eviction) => _drainOfEviction.TryGetValue(eviction, out int d) ? d : -1;

    public int NodeOf(int drain) => _drains[drain].Node;

    /// <summary>
    /// Every drain to cordon, in drain order: all are cordoned before the run's first eviction (as Karpenter taints every
    /// node of a consolidation first), so no evicted pod can be scheduled onto a node the plan empties later. The plan's
    /// projection assumes exactly that (docs/design/0006-scheduler-model.md).
    /// </summary>
    public IEnumerable<int> ToCordon() =>
        Enumerable.Range(0, _drains.Length).Where(d => _drains[d].Cordon == CordonAction.Cordon);

    /// <summary>The cordon PATCH of <paramref name="drain"/>, once sent.</summary>
    public PatchResult? CordonOf(int drain) => _cordons[drain];

    public void Record(int drain, PatchResult cordon) => _cordons[drain] = cordon;

    /// <summary>
    /// The node was unschedulable when the run came to cordon it, without this run's marker: someone cordoned it after
    /// the cluster was read. Its evictions go ahead (it is cordoned); the run neither marks nor uncordons it.
    /// </summary>
    public void RecordFoundCordoned(int drain)
    {
        _cordons[drain] = new PatchResult(true, 0, null, null, Ambiguous: false);
        _foundCordoned[drain] = true;
    }

    /// <summary>The plugin that planned <paramref name="drain"/> (Consolidation or HighNodeUtilization), for events.</summary>
    public string PluginOf(int drain) => _drains[drain].Plugin;

    /// <summary>Planned evictions from the node of <paramref name="drain"/>.</summary>
    public int EvictionCount(int drain) => _evictions[drain].Count;

    /// <summary>The drains whose node this run may have cordoned (the PATCH succeeded, or its answer was lost), in drain order.</summary>
    public IEnumerable<int> Sent() =>
        Enumerable.Range(0, _drains.Length).Where(d => !_foundCordoned[d] && _cordons[d] is { } cordon && (cordon.Succeeded || cordon.Ambiguous));

    /// <summary>
    /// The last step for a drain this run may have cordoned. A drain is complete when every one of its planned pods is
    /// gone (evicted, or already gone). An incomplete one is uncordoned, marker removed (its strategy's <c>uncordonOnIncompleteDrain</c>);
    /// otherwise a cordoned node's marker records how its drain ended — except in a server dry run, which persisted no
    /// marker. Null: nothing to send.
    /// </summary>
    public DrainFinish? FinishOf(int drain, IReadOnlyList<ExecutionOutcome> outcomes, bool serverDryRun)
    {
        bool complete = _evictions[drain].All(i => Gone(outcomes[i]));
        if (!complete && _drains[drain].UncordonOnIncompleteDrain)
        {
            return new DrainFinish(Uncordon: true, State: null);
        }

        if (_cordons[drain] is not { Succeeded: true } || serverDryRun)
        {
            return null;
        }

        return new DrainFinish(Uncordon: false, complete ? CordonMarker.Complete : CordonMarker.Incomplete);
    }

    /// <summary><c>the drain did not complete (2 of 3 planned pods gone)</c>.</summary>
    public string Progress(int drain, IReadOnlyList<ExecutionOutcome> outcomes) =>
        $"the drain did not complete ({_evictions[drain].Count(i => Gone(outcomes[i]))} of {_evictions[drain].Count} planned pods gone)";

    /// <summary>The final outcome of each drain, in drain order, once the last steps (<see cref="FinishOf"/>) were sent.</summary>
    public IReadOnlyList<NodeCordonOutcome> Outcomes(IReadOnlyList<ExecutionOutcome> outcomes, IReadOnlyDictionary<int, DrainFinish> finishes, string notAttempted)
    {
        var result = new List<NodeCordonOutcome>(_drains.Length);
        for (int d = 0; d < _drains.Length; d++)
        {
            int node = _drains[d].Node;
            if (_drains[d].Cordon == CordonAction.AlreadyCordoned)
            {
                result.Add(AlreadyCordoned(node));
                continue;
            }

            if (_foundCordoned[d])
            {
                result.Add(new NodeCordonOutcome(node, CordonOutcomeKind.AlreadyCordoned, 0, null,
                    "unschedulable without this run's marker when the run came to cordon it (cordoned after the cluster was read): left as it was"));
                continue;
            }

            if (_cordons[d] is not PatchResult cordon)
            {
                result.Add(new NodeCordonOutcome(node, CordonOutcomeKind.NotAttempted, 0, null, notAttempted));
                continue;
            }

            int gone = _evictions[d].Count(i => Gone(outcomes[i]));
            string progress = Progress(d, outcomes);
            bool finished = finishes.TryGetValue(d, out DrainFinish finish);
            bool uncordoned = finished && finish.Uncordon;
            PatchResult uncordon = finish.Result;
            int attempts = cordon.Attempts + finish.Result.Attempts;
            int? status = finished ? finish.Result.Status ?? cordon.Status : cordon.Status;
            string marked = !finished || uncordoned || finish.Result.Succeeded ? string.Empty
                : $"; recording the drain as {finish.State} on the node failed ({finish.Result.Message}): a later run will take it for an interrupted drain";
            result.Add((cordon.Succeeded, uncordoned, uncordon.Succeeded) switch
            {
                (false, false, _) => new(node, CordonOutcomeKind.CordonFailed, attempts, cordon.Status, "cordoning failed: " + cordon.Message),
                (false, true, true) => new(node, CordonOutcomeKind.CordonFailed, attempts, cordon.Status,
                    $"cordoning failed: {cordon.Message}; uncordoned in case the attempt whose answer was lost had cordoned it"),
                (false, true, false) => new(node, CordonOutcomeKind.UncordonFailed, attempts, uncordon.Status,
                    $"cordoning failed: {cordon.Message}; uncordoning (in case the attempt whose answer was lost had cordoned it) failed too: {uncordon.Message}"),
                (true, true, true) => new(node, CordonOutcomeKind.Uncordoned, attempts, uncordon.Status, progress + "; uncordoned"),
                (true, true, false) => new(node, CordonOutcomeKind.UncordonFailed, attempts, uncordon.Status,
                    $"{progress} and uncordoning failed; the node is still cordoned: {uncordon.Message}"),
                (true, false, _) when gone < _evictions[d].Count => new(node, CordonOutcomeKind.Cordoned, attempts, status,
                    progress + "; left cordoned (uncordonOnIncompleteDrain: false)" + marked),
                (true, false, _) => new(node, CordonOutcomeKind.Cordoned, attempts, status, marked.Length == 0 ? null : marked[2..]),
            });
        }

        return result;
    }

    /// <summary>The pod no longer holds the node: evicted, already gone, or (server dry run) the server would evict it.</summary>
    private static bool Gone(ExecutionOutcome outcome) => outcome.Outcome switch
    {
        EvictionOutcomeKind.Evicted or EvictionOutcomeKind.NotFound or EvictionOutcomeKind.ServerDryRunAccepted => true,
        EvictionOutcomeKind.ServerDryRunRejected => outcome.HttpStatus == 404,
        _ => false,
    };

    private static NodeCordonOutcome AlreadyCordoned(int node) =>
        new(node, CordonOutcomeKind.AlreadyCordoned, 0, null, "unschedulable before the run: left as it was");
}
