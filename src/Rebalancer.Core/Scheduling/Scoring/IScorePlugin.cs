namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>
/// One of kube-scheduler's score plugins as the projection models it (docs/design/0006-scheduler-model.md): for the pod
/// being placed, the plugin's PreScore, Score and NormalizeScore over the nodes that passed every filter, with the
/// scheduler's formulas, integer arithmetic and normalisation, so each score is what the scheduler's own framework
/// would hand to the weighted sum (0–100).
/// </summary>
public interface IScorePlugin
{
    /// <summary>
    /// Scores <paramref name="pod"/> on each node of <paramref name="feasible"/> into the same position of
    /// <paramref name="scores"/>, already normalised. False when the plugin skips the pod (its PreScore returns Skip,
    /// e.g. NodeAffinity for a pod without preferred terms): it then adds nothing to any node, as in the scheduler.
    /// </summary>
    bool Score(int pod, ReadOnlySpan<int> feasible, Span<long> scores);
}
