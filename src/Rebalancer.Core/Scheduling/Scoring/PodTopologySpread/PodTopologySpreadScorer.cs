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
/// emptiest domains score highest. Domains are dense indexes (<see cref="ScoringContext.DomainIndex"/>), so a placement
/// costs the matching pods plus a few array reads per feasible node.
/// </summary>
internal sealed class PodTopologySpreadScorer : IScorePlugin
{
    private readonly ScoringContext _context;
    private readonly TopologySpreading _spreading;
    private readonly List<List<int>> _matchingOf = [];

    // Per constraint of the pod being scored (pooled): matching pods per node (hostname constraints) or per domain, and
    // which domains the feasible nodes have.
    private readonly List<long[]> _counts = [];
    private readonly List<bool[]> _present = [];
    private readonly List<int> _touched = [];

    public PodTopologySpreadScorer(PodTopologySpreadSettings settings, ScoringContext context)
    {
        _context = context;
        _spreading = new TopologySpreading(context, settings);
    }

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
        int nodes = _context.Snapshot.Nodes.Count;
        var domainOf = new int[count][];
        var hostname = new bool[count];
        Span<int> domains = stackalloc int[count];
        for (int c = 0; c < count; c++)
        {
            hostname[c] = terms[c].TopologyKey == _context.HostnameKey;
            (domainOf[c], domains[c]) = _context.DomainIndex(terms[c].TopologyKey);
            if (_counts.Count <= c)
            {
                _counts.Add([]);
                _present.Add([]);
            }

            // Hostname counts are per node; the others per domain, with one slot for nodes without the key.
            int size = hostname[c] ? nodes : domains[c] + 1;
            if (_counts[c].Length < size)
            {
                _counts[c] = new long[size];
                _present[c] = new bool[size];
            }
        }

        // The matching pods of every constraint (one node entry per pod).
        while (_matchingOf.Count < count)
        {
            _matchingOf.Add([]);
        }

        bool anyMatching = false;
        for (int c = 0; c < count; c++)
        {
            _matchingOf[c].Clear();
            _spreading.MatchingPodNodes(pod, terms[c], _matchingOf[c]);
            anyMatching |= _matchingOf[c].Count > 0;
        }

        if (!anyMatching && AllHaveEveryKey(feasible, domainOf, domains))
        {
            // Nothing to spread from, and every node carries every key: every node scores the same, which changes no
            // choice (a workload's first replica, a singleton), so the plugin is left out of the sum.
            return false;
        }

        // PreScore over the feasible nodes: ignored nodes, and each non-hostname constraint's domains.
        Span<bool> ignored = feasible.Length <= 1024 ? stackalloc bool[feasible.Length] : new bool[feasible.Length];
        int ignoredCount = 0;
        Span<int> topologySize = stackalloc int[count];
        for (int i = 0; i < feasible.Length; i++)
        {
            int node = feasible[i];
            if (requireAll && !HasAllKeys(domainOf, domains, node))
            {
                ignored[i] = true;
                ignoredCount++;
                continue;
            }

            for (int c = 0; c < count; c++)
            {
                if (!hostname[c] && !_present[c][domainOf[c][node]])
                {
                    _present[c][domainOf[c][node]] = true;
                    topologySize[c]++;
                }
            }
        }

        // Counts: the matching pods of the whole cluster, where their nodes qualify.
        FitFailure[] staticFit = _context.StaticFit.ForPod(pod);
        Span<double> weight = stackalloc double[count];
        for (int c = 0; c < count; c++)
        {
            SpreadTerm term = terms[c];
            long[] counts = _counts[c];
            foreach (int node in _matchingOf[c])
            {
                if (hostname[c])
                {
                    if (counts[node]++ == 0)
                    {
                        _touched.Add((c * nodes) + node);
                    }

                    continue;
                }

                int domain = domainOf[c][node];
                if (_present[c][domain] && (!requireAll || HasAllKeys(domainOf, domains, node)) && _spreading.Includes(pod, term, node, staticFit))
                {
                    counts[domain]++;
                }
            }

            weight[c] = Math.Log((hostname[c] ? feasible.Length - ignoredCount : topologySize[c]) + 2);
        }

        // Score.
        var countsOf = new long[count][];
        Span<double> offset = stackalloc double[count];
        for (int c = 0; c < count; c++)
        {
            countsOf[c] = _counts[c];
            offset[c] = terms[c].MaxSkew - 1;
        }

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
                int domain = domainOf[c][node];
                if (domain == domains[c])
                {
                    continue; // the node has no value for the key: no credit (scoring.go checks the label)
                }

                score += (countsOf[c][hostname[c] ? node : domain] * weight[c]) + offset[c];
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

        // Reset the pooled arrays: the hostname counts where pods were counted, the domain arrays whole (they are small).
        foreach (int entry in _touched)
        {
            _counts[entry / nodes][entry % nodes] = 0;
        }

        _touched.Clear();
        for (int c = 0; c < count; c++)
        {
            if (!hostname[c])
            {
                Array.Clear(_counts[c], 0, domains[c] + 1);
                Array.Clear(_present[c], 0, domains[c] + 1);
            }
        }

        return true;
    }

    private static bool AllHaveEveryKey(ReadOnlySpan<int> feasible, int[][] domainOf, ReadOnlySpan<int> domains)
    {
        foreach (int node in feasible)
        {
            if (!HasAllKeys(domainOf, domains, node))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasAllKeys(int[][] domainOf, ReadOnlySpan<int> domains, int node)
    {
        for (int c = 0; c < domainOf.Length; c++)
        {
            if (domainOf[c][node] == domains[c])
            {
                return false;
            }
        }

        return true;
    }
}
