using System.Globalization;
using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingTopologySpreadConstraint;

/// <summary>
/// One run of RemovePodsViolatingTopologySpreadConstraint. Per namespace (first-seen order) and per distinct constraint
/// (first-seen order): build the eligible domains, count the matching pods of the projection per domain, and if the skew
/// exceeds <c>maxSkew</c> run the descheduler's two-pointer balancing with live counts. Cost per constraint: the matching
/// pods (found through a per-namespace label index) sorted once, plus one pass over the nodes.
/// </summary>
internal sealed class TopologyBalancer
{
    private const int Stop = -2;
    private const int NotMoved = -1;

    private static readonly Comparer<Member> ByDomainAndNode = Comparer<Member>.Create((a, b) =>
    {
        int c = a.Domain.CompareTo(b.Domain);
        if (c == 0)
        {
            c = a.Node.CompareTo(b.Node);
        }

        return c != 0 ? c : CompareEvictionOrder(a, b, withLevel: false);
    });

    private static readonly Comparer<Member> ByDomainThenEvictionOrder = Comparer<Member>.Create((a, b) =>
    {
        int c = a.Domain.CompareTo(b.Domain);
        return c != 0 ? c : CompareEvictionOrder(a, b, withLevel: true);
    });

    private readonly PlanningContext _context;
    private readonly ClusterSnapshot _snapshot;
    private readonly RemovePodsViolatingTopologySpreadConstraintSettings _settings;
    private readonly LabelSelector? _scope;
    private readonly bool[] _considered;
    private readonly bool[] _nodeLimited;
    private readonly int[] _domainOfNode;
    private readonly List<int> _domainValues = [];
    private readonly Dictionary<int, int> _domainIds = [];
    // Domains depend only on the topology key, the inclusion policies and the placement's static predicates, which
    // thousands of constraints share: computed once per such key instead of a pass over every node per constraint.
    private readonly Dictionary<(int Key, NodeInclusionPolicy Affinity, NodeInclusionPolicy Taints, int Row), (int[] DomainOfNode, int[] Values)> _domainCache = [];

    public TopologyBalancer(PlanningContext context, RemovePodsViolatingTopologySpreadConstraintSettings settings)
    {
        _context = context;
        _snapshot = context.Snapshot;
        _settings = settings;
        _scope = settings.LabelSelector?.Compile(_snapshot.Strings);
        _considered = new bool[_snapshot.Nodes.Count];
        foreach (int node in context.Nodes)
        {
            _considered[node] = true;
        }

        _nodeLimited = new bool[_snapshot.Nodes.Count];
        _domainOfNode = new int[_snapshot.Nodes.Count];
    }

    public void Run()
    {
        foreach (NamespacePods group in GroupByNamespace())
        {
            foreach (SpreadConstraint constraint in CollectConstraints(group))
            {
                if (!Balance(group, constraint))
                {
                    return; // maxNoOfPodsToEvictTotal reached
                }
            }
        }
    }

    /// <summary>Running, non-terminating pods on the considered nodes (in the projection), by allowed namespace.</summary>
    private List<NamespacePods> GroupByNamespace()
    {
        PodTable pods = _snapshot.Pods;
        var groups = new List<NamespacePods>();
        var byNamespace = new Dictionary<int, NamespacePods?>();
        for (int p = 0; p < pods.Count; p++)
        {
            int node = _context.Projection.NodeOf(p);
            if (node < 0 || !_considered[node] || pods.Has(p, PodFlags.Terminating))
            {
                continue;
            }

            int ns = pods.Namespace[p];
            if (!byNamespace.TryGetValue(ns, out NamespacePods? group))
            {
                group = _settings.Namespaces.Allows(_snapshot.Strings[ns]) ? new NamespacePods(_snapshot, ns) : null;
                byNamespace[ns] = group;
                if (group is not null)
                {
                    groups.Add(group);
                }
            }

            group?.Pods.Add(p);
        }

        return groups;
    }

    /// <summary>The distinct constraints declared by pods in scope, as the descheduler dedupes them (DeepEqual).</summary>
    private List<SpreadConstraint> CollectConstraints(NamespacePods group)
    {
        PodTable pods = _snapshot.Pods;
        var result = new List<SpreadConstraint>();
        var seen = new HashSet<(TopologySpreadConstraint, LabelSelector, PodConstraints)>(ConstraintKeyComparer.Instance);
        var seenSets = new HashSet<int>();
        foreach (int pod in group.Pods)
        {
            if (_scope is not null && !_scope.Matches(pods.Labels[pod]))
            {
                continue;
            }

            int setId = pods.Constraints[pod];
            PodConstraints constraints = _snapshot.ConstraintSets[setId];
            if (constraints.TopologySpread.Length == 0 || (!UsesMatchLabelKeys(constraints) && !seenSets.Add(setId)))
            {
                continue;
            }

            foreach (TopologySpreadConstraint tsc in constraints.TopologySpread)
            {
                if (!_settings.Constraints.Contains(tsc.WhenUnsatisfiable))
                {
                    continue;
                }

                LabelSelector selector = Predicates.MergeMatchLabelKeys(tsc, pods.Labels[pod]);
                PodConstraints placement = new()
                {
                    NodeSelector = tsc.NodeAffinityPolicy == NodeInclusionPolicy.Honor ? constraints.NodeSelector : [],
                    RequiredNodeAffinity = tsc.NodeAffinityPolicy == NodeInclusionPolicy.Honor ? constraints.RequiredNodeAffinity : null,
                    Tolerations = tsc.NodeTaintsPolicy == NodeInclusionPolicy.Honor ? constraints.Tolerations : [],
                };
                if (seen.Add((tsc, selector, placement)))
                {
                    result.Add(new SpreadConstraint(tsc, selector, placement));
                }
            }
        }

        return result;
    }

    private static bool UsesMatchLabelKeys(PodConstraints constraints)
    {
        foreach (TopologySpreadConstraint tsc in constraints.TopologySpread)
        {
            if (tsc.MatchLabelKeys.Length > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Balances one constraint; false when the total eviction limit stopped the plugin.</summary>
    private bool Balance(NamespacePods group, SpreadConstraint constraint)
    {
        TopologySpreadConstraint tsc = constraint.Constraint;
        if (tsc.MaxSkew < 1)
        {
            _context.Warn($"{Describe(constraint)} in namespace {_snapshot.Strings[group.Namespace]}: maxSkew {tsc.MaxSkew} is invalid (the API requires at least 1); constraint ignored");
            return true;
        }

        int domains = BuildDomains(constraint);
        if (domains == 0)
        {
            return true;
        }

        // Count the matching pods per domain, where the projection has them.
        int[] count = new int[domains];
        List<int> matching = group.Select(constraint.Selector);
        var members = new Member[matching.Count];
        int total = 0;
        foreach (int pod in matching)
        {
            int node = _context.Projection.NodeOf(pod);
            int domain = node >= 0 && _considered[node] ? _domainOfNode[node] : -1;
            if (domain < 0)
            {
                continue;
            }

            count[domain]++;
            members[total++] = NewMember(pod, node, domain);
        }

        int max = count.Max();
        int min = count.Min();
        bool minDomainsUnmet = tsc.WhenUnsatisfiable == UnsatisfiableConstraintAction.DoNotSchedule && tsc.MinDomains is int minDomains && domains < minDomains;
        if (max - (minDomainsUnmet ? 0 : min) <= tsc.MaxSkew)
        {
            return true;
        }

        if (minDomainsUnmet)
        {
            _context.Note($"{Describe(constraint)} in namespace {_snapshot.Strings[group.Namespace]}: {domains} eligible domain(s) < minDomains {tsc.MinDomains}, "
                + $"so the global minimum is 0 and a domain may receive pods only while it has fewer than maxSkew {tsc.MaxSkew}");
        }

        // Eviction order within each domain, front to back; pods are taken from the back.
        int[] start = new int[domains + 1];
        AssignLevels(members, total);
        Array.Sort(members, 0, total, ByDomainThenEvictionOrder);
        for (int k = 0; k < total; k++)
        {
            start[members[k].Domain + 1]++;
        }

        for (int d = 0; d < domains; d++)
        {
            start[d + 1] += start[d];
        }

        int[] top = new int[domains];
        Array.Copy(start, 1, top, 0, domains);
        return BalanceDomains(constraint, domains, count, total, members, start, top, minDomainsUnmet);
    }

    /// <summary>
    /// The descheduler's balanceDomains with live counts: a pod that is evicted counts in the domain of its projected
    /// target; a pod that is not (no target, protected, a limit) still counts as moved to the small domain, as there.
    /// </summary>
    private bool BalanceDomains(SpreadConstraint constraint, int domains, int[] count, int total, Member[] members, int[] start, int[] top, bool minDomainsUnmet)
    {
        TopologySpreadConstraint tsc = constraint.Constraint;
        double average = total / (double)domains;
        int[] order = new int[domains];
        for (int d = 0; d < domains; d++)
        {
            order[d] = d;
        }

        Array.Sort(order, (a, b) => count[a] != count[b] ? count[a].CompareTo(count[b]) : a.CompareTo(b));
        int i = 0;
        int j = domains - 1;
        while (i < j)
        {
            if (count[order[j]] <= average)
            {
                j--;
            }

            int small = order[i];
            int large = order[j];
            int skew = count[large] - count[small];
            if (skew <= tsc.MaxSkew)
            {
                i++;
                continue;
            }

            double aboveAverage = Math.Ceiling(count[large] - average);
            double belowAverage = Math.Ceiling(average - count[small]);
            double halfSkew = Math.Ceiling((skew - tsc.MaxSkew) / 2.0);
            int move = (int)Math.Min(Math.Min(aboveAverage, belowAverage), halfSkew);
            if (move <= 0)
            {
                i++;
                continue;
            }

            if (top[large] == start[large])
            {
                // Nothing of its own left to give: its count includes pods moved in by this run.
                j--;
                continue;
            }

            string reason = $"{Key(tsc)} {Value(large)} has {count[large]} pods of {SelectorText(constraint.Selector)}, "
                + $"{Value(small)} has {count[small]}: skew {skew} > maxSkew {tsc.MaxSkew}";
            bool AllowTarget(int node)
            {
                int domain = _domainOfNode[node];
                if (domain < 0 || domain == large)
                {
                    return false;
                }

                bool below = _settings.TopologyBalanceNodeFit ? count[domain] < average : count[domain] <= count[large] - 2;
                return below && (!minDomainsUnmet || count[domain] + 1 <= tsc.MaxSkew);
            }

            for (int k = 0; k < move && top[large] > start[large]; k++)
            {
                Member member = members[--top[large]];
                int landed = TryMove(member, reason, AllowTarget, () => NoTargetDetail(tsc, average, count[large], domains, minDomainsUnmet));
                if (landed == Stop)
                {
                    return false;
                }

                count[large]--;
                count[landed >= 0 ? landed : small]++;
            }
        }

        return true;
    }

    /// <summary>Plans the eviction of one pod; the domain its projected target is in, <see cref="NotMoved"/>, or <see cref="Stop"/>.</summary>
    private int TryMove(Member member, string reason, Func<int, bool> allowTarget, Func<string> noTarget)
    {
        int pod = member.Pod;
        if ((_scope is not null && !_scope.Matches(_snapshot.Pods.Labels[pod])) || _context.IsEvicted(pod) || _nodeLimited[member.Node])
        {
            return NotMoved; // counted, never a candidate: outside labelSelector, moved earlier, or its node is at its limit
        }

        if ((_context.Filter(pod) ?? _context.Evictor.PreEvictionFilter(pod)) is null && !AnyTarget(allowTarget))
        {
            _context.Skip(pod, SkipReasons.NodeFit, noTarget());
            return NotMoved;
        }

        switch (_context.TryEvict(pod, reason, allowTarget))
        {
            case EvictResult.Evicted:
                return _domainOfNode[_context.Projection.NodeOf(pod)];
            case EvictResult.TotalLimitReached:
                return Stop;
            case EvictResult.NodeLimitReached:
                _nodeLimited[member.Node] = true;
                return NotMoved;
            default:
                return NotMoved;
        }
    }

    private bool AnyTarget(Func<int, bool> allowTarget)
    {
        foreach (int node in _context.TargetCandidates)
        {
            if (allowTarget(node))
            {
                return true;
            }
        }

        return false;
    }

    private string NoTargetDetail(TopologySpreadConstraint tsc, double average, int largeCount, int domains, bool minDomainsUnmet)
    {
        string rule = _settings.TopologyBalanceNodeFit
            ? $"below the average of {average.ToString("0.##", CultureInfo.InvariantCulture)} pods"
            : $"with at most {largeCount - 2} pods";
        string cap = minDomainsUnmet ? $" and fewer than maxSkew {tsc.MaxSkew} pods ({domains} domain(s) < minDomains {tsc.MinDomains})" : string.Empty;
        return $"no eligible node in a {Key(tsc)} domain {rule}{cap}";
    }

    /// <summary>Fills <see cref="_domainOfNode"/> for the considered nodes that pass the constraint's inclusion policies; returns the domain count.</summary>
    private int BuildDomains(SpreadConstraint constraint)
    {
        TopologySpreadConstraint tsc = constraint.Constraint;
        var cacheKey = (tsc.TopologyKey, tsc.NodeAffinityPolicy, tsc.NodeTaintsPolicy, _context.StaticFit.RowFor(constraint.Placement));
        if (_domainCache.TryGetValue(cacheKey, out (int[] DomainOfNode, int[] Values) cached))
        {
            Array.Copy(cached.DomainOfNode, _domainOfNode, _domainOfNode.Length);
            _domainValues.Clear();
            _domainValues.AddRange(cached.Values);
            return _domainValues.Count;
        }

        Array.Fill(_domainOfNode, -1);
        _domainValues.Clear();
        _domainIds.Clear();
        NodeTable nodes = _snapshot.Nodes;
        foreach (int node in _context.Nodes)
        {
            if (!nodes.Labels[node].TryGet(tsc.TopologyKey, out int value))
            {
                continue;
            }

            if (tsc.NodeAffinityPolicy == NodeInclusionPolicy.Honor && !Predicates.MatchesNodeSelector(_snapshot, constraint.Placement, node))
            {
                continue;
            }

            if (tsc.NodeTaintsPolicy == NodeInclusionPolicy.Honor
                && !Predicates.ToleratesTaints(nodes.TaintsOf(node), constraint.Placement.Tolerations, noSchedule: true, noExecute: true, preferNoSchedule: false, out _))
            {
                continue;
            }

            if (!_domainIds.TryGetValue(value, out int domain))
            {
                domain = _domainValues.Count;
                _domainIds[value] = domain;
                _domainValues.Add(value);
            }

            _domainOfNode[node] = domain;
        }

        _domainCache[cacheKey] = ((int[])_domainOfNode.Clone(), [.. _domainValues]);
        return _domainValues.Count;
    }

    private Member NewMember(int pod, int node, int domain)
    {
        PodTable pods = _snapshot.Pods;
        PodConstraints constraints = _snapshot.ConstraintsOf(pod);
        bool candidate = (_scope is null || _scope.Matches(pods.Labels[pod])) && _context.Filter(pod) is null;
        bool selective = constraints.HasNodeSelectorOrAffinity || constraints.PreferredNodeAffinity.Length > 0;
        long priority = pods.Has(pod, PodFlags.HasPriority) ? pods.Priority[pod] : long.MinValue;
        return new Member(pod, node, domain, candidate, selective, priority, 0);
    }

    /// <summary>
    /// A pod's level is the number of matching pods its node still has when the pod is taken, in the node's own eviction
    /// order. Among otherwise equal pods the higher level goes first, so a domain gives from its most crowded node and a
    /// second constraint on the same pods (e.g. hostname under zone) is not unbalanced by the first.
    /// </summary>
    private static void AssignLevels(Member[] members, int total)
    {
        Array.Sort(members, 0, total, ByDomainAndNode);
        int runStart = 0;
        for (int k = 0; k < total; k++)
        {
            if (k > 0 && (members[k].Domain != members[k - 1].Domain || members[k].Node != members[k - 1].Node))
            {
                runStart = k;
            }

            members[k] = members[k] with { Level = k - runStart + 1 };
        }
    }

    /// <summary>
    /// Front to back: pods that cannot be evicted, then pods with a nodeSelector or node affinity, then by priority
    /// descending (no priority last), then by level, then by pod index. The back is evicted first.
    /// </summary>
    private static int CompareEvictionOrder(Member a, Member b, bool withLevel)
    {
        int c = a.Candidate.CompareTo(b.Candidate);
        if (c == 0)
        {
            c = b.Selective.CompareTo(a.Selective);
        }

        if (c == 0)
        {
            c = b.Priority.CompareTo(a.Priority);
        }

        if (c == 0 && withLevel)
        {
            c = a.Level.CompareTo(b.Level);
        }

        return c != 0 ? c : a.Pod.CompareTo(b.Pod);
    }

    private string Key(TopologySpreadConstraint tsc) => _snapshot.Strings[tsc.TopologyKey];

    private string Value(int domain) => _snapshot.Strings[_domainValues[domain]];

    private string Describe(SpreadConstraint constraint) =>
        $"{constraint.Constraint.WhenUnsatisfiable} spread over {Key(constraint.Constraint)} of {SelectorText(constraint.Selector)}";

    private string SelectorText(LabelSelector selector)
    {
        if (selector.MatchesNothing)
        {
            return "<no pods>";
        }

        if (selector.IsEverything)
        {
            return "<all pods>";
        }

        StringTable strings = _snapshot.Strings;
        return string.Join(",", selector.Requirements.Select(r =>
        {
            string key = strings[r.Key];
            string values = string.Join(",", r.Values.Select(v => v >= 0 ? strings[v] : "?"));
            return r.Operator switch
            {
                SelectorOperator.In when r.Values.Length == 1 => $"{key}={values}",
                SelectorOperator.In => $"{key} in ({values})",
                SelectorOperator.NotIn when r.Values.Length == 1 => $"{key}!={values}",
                SelectorOperator.NotIn => $"{key} notin ({values})",
                SelectorOperator.Exists => key,
                SelectorOperator.DoesNotExist => "!" + key,
                _ => key,
            };
        }));
    }

    /// <summary>
    /// Equality as the descheduler's DeepEqual, with a hash over every selector value: the model's own hashes are coarse,
    /// and pods using matchLabelKeys yield one key each, so a namespace must not degrade into linear probing.
    /// </summary>
    private sealed class ConstraintKeyComparer : IEqualityComparer<(TopologySpreadConstraint Constraint, LabelSelector Selector, PodConstraints Placement)>
    {
        public static readonly ConstraintKeyComparer Instance = new();

        public bool Equals((TopologySpreadConstraint Constraint, LabelSelector Selector, PodConstraints Placement) x, (TopologySpreadConstraint Constraint, LabelSelector Selector, PodConstraints Placement) y) =>
            x.Constraint.Equals(y.Constraint) && x.Selector.Equals(y.Selector) && x.Placement.Equals(y.Placement);

        public int GetHashCode((TopologySpreadConstraint Constraint, LabelSelector Selector, PodConstraints Placement) key)
        {
            var hash = new HashCode();
            hash.Add(key.Constraint);
            hash.Add(key.Placement);
            hash.Add(key.Selector.MatchesNothing);
            foreach (SelectorRequirement requirement in key.Selector.Requirements)
            {
                hash.Add(requirement.Key);
                hash.Add(requirement.Operator);
                foreach (int value in requirement.Values)
                {
                    hash.Add(value);
                }
            }

            return hash.ToHashCode();
        }
    }

    /// <summary>A distinct constraint: its selector with the declaring pod's matchLabelKeys values, and the placement its inclusion policies honour.</summary>
    private sealed record SpreadConstraint(TopologySpreadConstraint Constraint, LabelSelector Selector, PodConstraints Placement);

    private readonly record struct Member(int Pod, int Node, int Domain, bool Candidate, bool Selective, long Priority, int Level);

    /// <summary>The pods of one namespace, with a label index built on first use so a selector visits only the pods it can match.</summary>
    private sealed class NamespacePods(ClusterSnapshot snapshot, int ns)
    {
        private Dictionary<(int Key, int Value), List<int>>? _byLabel;

        public int Namespace => ns;

        public List<int> Pods { get; } = [];

        /// <summary>The pods <paramref name="selector"/> matches, in pod index order.</summary>
        public List<int> Select(LabelSelector selector)
        {
            var result = new List<int>();
            if (selector.MatchesNothing)
            {
                return result;
            }

            KeyValueColumn labels = snapshot.Pods.Labels;
            SelectorRequirement? narrowest = null;
            int narrowestCount = int.MaxValue;
            foreach (SelectorRequirement requirement in selector.Requirements)
            {
                if (requirement.Operator != SelectorOperator.In)
                {
                    continue;
                }

                int count = 0;
                foreach (int value in requirement.Values)
                {
                    count += Index().TryGetValue((requirement.Key, value), out List<int>? list) ? list.Count : 0;
                }

                if (count < narrowestCount)
                {
                    narrowest = requirement;
                    narrowestCount = count;
                }
            }

            if (narrowest is null)
            {
                foreach (int pod in Pods)
                {
                    if (selector.Matches(labels[pod]))
                    {
                        result.Add(pod);
                    }
                }

                return result;
            }

            int[] values = narrowest.Values;
            for (int v = 0; v < values.Length; v++)
            {
                if (Array.IndexOf(values, values[v]) < v || !Index().TryGetValue((narrowest.Key, values[v]), out List<int>? list))
                {
                    continue; // a repeated value, or one no pod has
                }

                foreach (int pod in list)
                {
                    if (selector.Matches(labels[pod]))
                    {
                        result.Add(pod);
                    }
                }
            }

            if (values.Length > 1)
            {
                result.Sort();
            }

            return result;
        }

        private Dictionary<(int Key, int Value), List<int>> Index()
        {
            if (_byLabel is not null)
            {
                return _byLabel;
            }

            _byLabel = [];
            KeyValueColumn labels = snapshot.Pods.Labels;
            foreach (int pod in Pods)
            {
                LabelView view = labels[pod];
                ReadOnlySpan<int> keys = view.Keys;
                ReadOnlySpan<int> values = view.Values;
                for (int k = 0; k < keys.Length; k++)
                {
                    if (!_byLabel.TryGetValue((keys[k], values[k]), out List<int>? list))
                    {
                        _byLabel[(keys[k], values[k])] = list = [];
                    }

                    list.Add(pod);
                }
            }

            return _byLabel;
        }
    }
}
