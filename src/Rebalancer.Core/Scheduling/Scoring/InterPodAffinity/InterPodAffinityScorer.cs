using Rebalancer.Core.Model;

namespace Rebalancer.Core.Scheduling.Scoring.InterPodAffinity;

/// <summary>
/// InterPodAffinity's Score (interpodaffinity/scoring.go, v1.29–v1.32). PreScore sums, per topology domain
/// (key, value), the weights of every term that holds there: the pod's own preferred affinity (+w) and anti-affinity
/// (−w) terms for each existing pod they select, and each existing pod's required affinity (+hardPodAffinityWeight),
/// preferred affinity (+w) and preferred anti-affinity (−w) terms that select the pod, in the existing pod's node's
/// domain. A node scores the sum over its domains; NormalizeScore maps min–max over the feasible nodes to 0–100
/// (truncated). Skipped when no term holds anywhere.
/// </summary>
internal sealed class InterPodAffinityScorer : IScorePlugin
{
    private readonly ScoringContext _context;
    private readonly ClusterSnapshot _snapshot;
    private readonly InterPodAffinitySettings _settings;
    private readonly TermGroups _existing;
    private readonly Dictionary<int, Dictionary<int, long>> _topology = [];

    public InterPodAffinityScorer(InterPodAffinitySettings settings, ScoringContext context)
    {
        _context = context;
        _snapshot = context.Snapshot;
        _settings = settings;
        _existing = new TermGroups(_snapshot, c =>
        [
            .. settings.HardPodAffinityWeight > 0 ? c.RequiredPodAffinity.Select(t => new WeightedTerm(t, settings.HardPodAffinityWeight)) : [],
            .. c.PreferredPodAffinity.Select(t => new WeightedTerm(t.Term, t.Weight)),
            .. c.PreferredPodAntiAffinity.Select(t => new WeightedTerm(t.Term, -t.Weight)),
        ]);
    }

    public bool Score(int pod, ReadOnlySpan<int> feasible, Span<long> scores)
    {
        PodConstraints constraints = _snapshot.ConstraintsOf(pod);
        bool hasOwn = constraints.PreferredPodAffinity.Length > 0 || constraints.PreferredPodAntiAffinity.Length > 0;
        if (_settings.IgnorePreferredTermsOfExistingPods && !hasOwn)
        {
            return false; // the flag only skips pods without terms of their own; otherwise every term counts
        }

        foreach (Dictionary<int, long> values in _topology.Values)
        {
            values.Clear();
        }

        bool any = false;
        int ownNamespace = _snapshot.Pods.Namespace[pod];
        if (hasOwn)
        {
            any |= AddOwn(pod, ownNamespace, constraints.PreferredPodAffinity, +1);
            any |= AddOwn(pod, ownNamespace, constraints.PreferredPodAntiAffinity, -1);
        }

        foreach ((int group, int term) in _existing.Selecting(pod))
        {
            WeightedTerm weighted = _existing.TermOf(group, term);
            foreach (int other in _existing.PodsOf(group))
            {
                any |= Add(pod, other, weighted.Term.TopologyKey, weighted.Weight);
            }
        }

        if (!any)
        {
            return false;
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        for (int i = 0; i < feasible.Length; i++)
        {
            long score = 0;
            foreach ((int key, Dictionary<int, long> values) in _topology)
            {
                if (values.Count > 0 && _context.NodeValues(key)[feasible[i]] is int value and >= 0 && values.TryGetValue(value, out long add))
                {
                    score += add;
                }
            }

            scores[i] = score;
            min = Math.Min(min, score);
            max = Math.Max(max, score);
        }

        long range = max - min;
        for (int i = 0; i < feasible.Length; i++)
        {
            scores[i] = range > 0 ? (long)(ScoreNormalization.MaxNodeScore * ((scores[i] - min) / (double)range)) : 0;
        }

        return true;
    }

    /// <summary>The pod's own preferred terms: every existing pod a term selects adds the term's weight in its node's domain.</summary>
    private bool AddOwn(int pod, int ownNamespace, WeightedPodAffinityTerm[] terms, int sign)
    {
        bool any = false;
        PodLabelSets sets = _snapshot.PodLabelSets;
        foreach (WeightedPodAffinityTerm weighted in terms)
        {
            foreach (int set in _context.SetsFor(weighted.Term, ownNamespace))
            {
                if (!Predicates.TermSelects(_snapshot, weighted.Term, ownNamespace, sets.RepresentativeOf(set)))
                {
                    continue;
                }

                foreach (int other in sets.PodsOf(set))
                {
                    any |= Add(pod, other, weighted.Term.TopologyKey, sign * weighted.Weight);
                }
            }
        }

        return any;
    }

    /// <summary>Adds <paramref name="weight"/> to the domain of <paramref name="other"/>'s node for <paramref name="key"/>.</summary>
    private bool Add(int pod, int other, int key, int weight)
    {
        int node = _context.Projection.NodeOf(other);
        if (other == pod || node < 0)
        {
            return false;
        }

        LabelView labels = _snapshot.Nodes.Labels[node];
        if (labels.Count == 0 || !labels.TryGet(key, out int value))
        {
            return false;
        }

        if (!_topology.TryGetValue(key, out Dictionary<int, long>? values))
        {
            _topology[key] = values = [];
        }

        values[value] = values.GetValueOrDefault(value) + weight;
        return true;
    }
}
