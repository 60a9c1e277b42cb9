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

    /// <summary>Unschedulable in the snapshot: someone else cordoned it; it was neither cordoned nor uncordoned.</summary>
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
public sealed record NodeCordonOutcome(int Node, CordonOutcomeKind Outcome, int Attempts, int? HttpStatus, string? Message);

/// <summary>One node PATCH with its retries, as a value.</summary>
/// <param name="Ambiguous">An attempt's answer was lost: the PATCH may have been applied even though it did not succeed.</param>
internal readonly record struct PatchResult(bool Succeeded, int Attempts, int? Status, string? Message, bool Ambiguous);

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

    private DrainCordons(Plan plan)
    {
        _drains = [.. plan.Drains.Where(d => d.Cordon != CordonAction.None)];
        UncordonOnIncompleteDrain = _drains.Any(d => d.UncordonOnIncompleteDrain);
        _evictions = new List<int>[_drains.Length];
        _cordons = new PatchResult?[_drains.Length];
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

    public bool UncordonOnIncompleteDrain { get; }

    public static DrainCordons Of(Plan plan) => new(plan);

    /// <summary>The outcomes of a client dry run: nothing is sent.</summary>
    public static IReadOnlyList<NodeCordonOutcome> ClientDryRun(Plan plan) =>
        [.. new DrainCordons(plan)._drains.Select(d => d.Cordon == CordonAction.AlreadyCordoned
            ? AlreadyCordoned(d.Node)
            : new NodeCordonOutcome(d.Node, CordonOutcomeKind.DryRun, 0, null, null))];

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
    /// The drains whose node this run may have cordoned and whose drain did not complete: a drain is complete when every
    /// one of its planned pods is gone (evicted, or already gone).
    /// </summary>
    public IEnumerable<int> Incomplete(IReadOnlyList<ExecutionOutcome> outcomes) =>
        Enumerable.Range(0, _drains.Length).Where(d => _drains[d].UncordonOnIncompleteDrain &&
            _cordons[d] is { } cordon && (cordon.Succeeded || cordon.Ambiguous) && !_evictions[d].All(i => Gone(outcomes[i])));

    /// <summary>The final outcome of each drain, in drain order, once the uncordons were sent.</summary>
    public IReadOnlyList<NodeCordonOutcome> Outcomes(IReadOnlyList<ExecutionOutcome> outcomes, IReadOnlyDictionary<int, PatchResult> uncordons, string notAttempted)
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

            if (_cordons[d] is not PatchResult cordon)
            {
                result.Add(new NodeCordonOutcome(node, CordonOutcomeKind.NotAttempted, 0, null, notAttempted));
                continue;
            }

            int gone = _evictions[d].Count(i => Gone(outcomes[i]));
            string progress = $"the drain did not complete ({gone} of {_evictions[d].Count} planned pods gone)";
            bool uncordoned = uncordons.TryGetValue(d, out PatchResult uncordon);
            int attempts = cordon.Attempts + uncordon.Attempts;
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
                (true, false, _) when gone < _evictions[d].Count => new(node, CordonOutcomeKind.Cordoned, attempts, cordon.Status,
                    progress + "; left cordoned (uncordonOnIncompleteDrain: false)"),
                (true, false, _) => new(node, CordonOutcomeKind.Cordoned, attempts, cordon.Status, null),
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
