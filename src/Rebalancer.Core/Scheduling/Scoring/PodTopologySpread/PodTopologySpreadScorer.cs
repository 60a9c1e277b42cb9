using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;

/// <summary>
/// PodTopologySpread's Score (podtopologyspread/scoring.go, v1.29–v1.32), for the pod's ScheduleAnyway constraints (or
/// the default constraints when it declares none). PreScore: the domains are the values the feasible nodes have; with
/// the pod's own constraints (or List defaults) a feasible node lacking a topology key is ignored (it scores 0);
/// each domain counts the matching pods on every node of the cluster that carries the keys and passes the constraint's
/// inclusion policies. Score: per constraint, <c>count · log(domains + 2) + maxSkew − 1</c> (hostname: the node's own
/// count and the feasible-node count), summed and rounded. NormalizeScore: <c>100 · (max + min − s) / max</c>, so the
/// emptiest domains score highest.
/// </summary>
internal sealed class PodTopologySpreadScorer : IScorePlugin
{
    private readonly ScoringContext _context;
    private readonly TopologySpreading _spreading;
    private readonly List<int[]> _hostCounts = [];
    private readonly List<int> _touched = [];
    private readonly List<int> _matching = [];
    private readonly List<Dictionary<int, long>> _domainCounts = [];

    public PodTopologySpreadScorer(PodTopologySpreadSettings settings, ScoringContext context)
    {
        _context = context;
        _spreading = new TopologySpreading(context, settings);
    }

    internal TopologySpreading Spreading => _spreading;

    public bool Score(int pod, ReadOnlySpan<int> feasible, Span<long> scores)
    {
        ReadOnlySpan<SpreadTerm> terms = _spreading.Constraints(pod, UnsatisfiableConstraintAction.ScheduleAnyway, out bool own);
        if (terms.Length == 0 || feasible.Length == 0)
        {
            return false;
        }

        // Only the pod's own constraints (or List defaults) require a node to carry every topology key.
        bool requireAll = own || !_spreading.Settings.SystemDefaulted;
        int count = terms.Length;
        var values = new int[count][];
        while (_domainCounts.Count < count)
        {
            _domainCounts.Add([]);
            _hostCounts.Add(new int[_context.Snapshot.Nodes.Count]);
        }

        for (int c = 0; c < count; c++)
        {
            values[c] = _context.NodeValues(terms[c].TopologyKey);
            _domainCounts[c].Clear();
        }

        // PreScore over the feasible nodes: ignored nodes, and each non-hostname constraint's domains.
        Span<bool> ignored = feasible.Length <= 1024 ? stackalloc bool[feasible.Length] : new bool[feasible.Length];
        int ignoredCount = 0;
        for (int i = 0; i < feasible.Length; i++)
        {
            int node = feasible[i];
            if (requireAll && !HasAllKeys(values, node))
            {
                ignored[i] = true;
                ignoredCount++;
                continue;
            }

            for (int c = 0; c < count; c++)
            {
                if (terms[c].TopologyKey != _context.HostnameKey)
                {
                    // A node without the key is the domain "" here (-1), as a Go map lookup of a missing label gives.
                    _domainCounts[c].TryAdd(values[c][node], 0);
                }
            }
        }

        // Counts: the matching pods of the whole cluster, where their nodes qualify.
        FitFailure[] staticFit = _context.StaticFit.ForPod(pod);
        Span<double> weight = stackalloc double[count];
        for (int c = 0; c < count; c++)
        {
            SpreadTerm term = terms[c];
            _matching.Clear();
            _spreading.MatchingPodNodes(pod, term, _matching);
            bool hostname = term.TopologyKey == _context.HostnameKey;
            Dictionary<int, long> domains = _domainCounts[c];
            foreach (int node in _matching)
            {
                if (hostname)
                {
                    if (_hostCounts[c][node]++ == 0)
                    {
                        _touched.Add((c * _hostCounts[c].Length) + node);
                    }

                    continue;
                }

                if ((requireAll && !HasAllKeys(values, node)) || !_spreading.Includes(pod, term, node, staticFit))
                {
                    continue;
                }

                int value = values[c][node];
                if (domains.TryGetValue(value, out long current))
                {
                    domains[value] = current + 1;
                }
            }

            weight[c] = Math.Log((hostname ? feasible.Length - ignoredCount : domains.Count) + 2);
        }

        // Score.
        long min = long.MaxValue;
        long max = 0;
        for (int i = 0; i < feasible.Length; i++)
        {
            if (ignored[i])
            {
                continue;
            }

            int node = feasible[i];
            double score = 0;
            for (int c = 0; c < count; c++)
            {
                int value = values[c][node];
                if (value < 0)
                {
                    continue;
                }

                long matching = terms[c].TopologyKey == _context.HostnameKey ? _hostCounts[c][node] : _domainCounts[c][value];
                score += (matching * weight[c]) + (terms[c].MaxSkew - 1);
            }

            long rounded = (long)Math.Round(score, MidpointRounding.AwayFromZero);
            scores[i] = rounded;
            min = Math.Min(min, rounded);
            max = Math.Max(max, rounded);
        }

        // NormalizeScore.
        for (int i = 0; i < feasible.Length; i++)
        {
            scores[i] = ignored[i] ? 0 : max == 0 ? ScoreNormalization.MaxNodeScore : ScoreNormalization.MaxNodeScore * (max + min - scores[i]) / max;
        }

        foreach (int entry in _touched)
        {
            _hostCounts[entry / _context.Snapshot.Nodes.Count][entry % _context.Snapshot.Nodes.Count] = 0;
        }

        _touched.Clear();

        return true;
    }

    private static bool HasAllKeys(int[][] values, int node)
    {
        foreach (int[] column in values)
        {
            if (column[node] < 0)
            {
                return false;
            }
        }

        return true;
    }
}
