using Rebalancer.Core.Model;

namespace Rebalancer.Core.Scheduling.Scoring.NodeAffinity;

/// <summary>
/// NodeAffinity's Score (nodeaffinity/node_affinity.go): the summed weights of the pod's preferred node-affinity terms
/// the node matches (a term with weight 0 or no requirement matches nothing), then <c>DefaultNormalizeScore</c>: the
/// best-matching node gets 100. A pod without preferred terms is skipped. The per-node sums depend only on the node's
/// labels, so they are computed once per constraint set.
/// </summary>
internal sealed class NodeAffinityScorer(ScoringContext context) : IScorePlugin
{
    private readonly ClusterSnapshot _snapshot = context.Snapshot;
    private readonly Dictionary<int, long[]> _sums = [];

    public bool Score(int pod, ReadOnlySpan<int> feasible, Span<long> scores)
    {
        int constraints = _snapshot.Pods.Constraints[pod];
        PreferredSchedulingTerm[] terms = _snapshot.ConstraintSets[constraints].PreferredNodeAffinity;
        if (terms.Length == 0)
        {
            return false;
        }

        if (!_sums.TryGetValue(constraints, out long[]? sums))
        {
            sums = new long[_snapshot.Nodes.Count];
            for (int n = 0; n < sums.Length; n++)
            {
                foreach (PreferredSchedulingTerm term in terms)
                {
                    if (term.Weight != 0 && Predicates.MatchesTerm(_snapshot, term.Term, n))
                    {
                        sums[n] += term.Weight;
                    }
                }
            }

            _sums[constraints] = sums;
        }

        for (int i = 0; i < feasible.Length; i++)
        {
            scores[i] = sums[feasible[i]];
        }

        ScoreNormalization.Default(scores[..feasible.Length], reverse: false);
        return true;
    }
}
