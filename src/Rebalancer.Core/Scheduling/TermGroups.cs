using Rebalancer.Core.Model;

namespace Rebalancer.Core.Scheduling;

/// <summary>A pod (anti-)affinity term with the amount it adds where it holds (its weight, negative for anti-affinity).</summary>
public readonly record struct WeightedTerm(PodAffinityTerm Term, int Weight);

/// <summary>
/// The pods that carry some kind of pod (anti-)affinity term, grouped by (constraint set, namespace): a group's terms
/// select the same pods, so "which existing pods' terms select this pod?" costs one term match per group, and it is
/// answered once per label set (namespace + labels) of the pod asking, because those fix the answer. Used for existing
/// pods' required anti-affinity (a filter) and for the terms InterPodAffinity scores.
/// </summary>
internal sealed class TermGroups
{
    private readonly ClusterSnapshot _snapshot;
    private readonly List<(int Constraints, int Namespace, List<int> Pods)> _groups = [];
    private readonly WeightedTerm[]?[] _termsOf;
    private readonly Dictionary<int, (int Group, int Term)[]> _selecting = [];
    private Dictionary<int, List<int>>? _groupsByNamespace;
    private List<int>? _crossNamespaceGroups;

    /// <param name="terms">The terms of a constraint set this index is about; empty for sets without any.</param>
    public TermGroups(ClusterSnapshot snapshot, Func<PodConstraints, WeightedTerm[]> terms)
    {
        _snapshot = snapshot;
        _termsOf = new WeightedTerm[snapshot.ConstraintSets.Length][];
        PodTable pods = snapshot.Pods;
        var groupOf = new Dictionary<(int, int), int>();
        for (int p = 0; p < pods.Count; p++)
        {
            int constraints = pods.Constraints[p];
            WeightedTerm[] own = _termsOf[constraints] ??= terms(snapshot.ConstraintSets[constraints]);
            if (own.Length == 0)
            {
                continue;
            }

            (int, int) key = (constraints, pods.Namespace[p]);
            if (!groupOf.TryGetValue(key, out int group))
            {
                groupOf[key] = group = _groups.Count;
                _groups.Add((constraints, pods.Namespace[p], []));
            }

            _groups[group].Pods.Add(p);
        }
    }

    public int Count => _groups.Count;

    /// <summary>The pods of a group, ascending.</summary>
    public List<int> PodsOf(int group) => _groups[group].Pods;

    public WeightedTerm TermOf(int group, int term) => _termsOf[_groups[group].Constraints]![term];

    /// <summary>The (group, term) pairs whose term selects <paramref name="pod"/>, in group then term order.</summary>
    public (int Group, int Term)[] Selecting(int pod)
    {
        if (_groups.Count == 0)
        {
            return [];
        }

        int set = _snapshot.PodLabelSets.SetOf(pod);
        if (_selecting.TryGetValue(set, out (int, int)[]? cached))
        {
            return cached;
        }

        if (_groupsByNamespace is null)
        {
            // A term with neither namespaces nor a namespace selector only selects pods of its own namespace, so a
            // group whose terms are all like that is only looked at for pods of that namespace.
            _groupsByNamespace = [];
            _crossNamespaceGroups = [];
            for (int g = 0; g < _groups.Count; g++)
            {
                (int constraints, int ns, _) = _groups[g];
                if (_termsOf[constraints]!.All(t => t.Term.Namespaces.Length == 0 && t.Term.NamespaceSelector is null))
                {
                    if (!_groupsByNamespace.TryGetValue(ns, out List<int>? list))
                    {
                        _groupsByNamespace[ns] = list = [];
                    }

                    list.Add(g);
                }
                else
                {
                    _crossNamespaceGroups.Add(g);
                }
            }
        }

        var groups = new List<int>(_crossNamespaceGroups!);
        if (_groupsByNamespace.TryGetValue(_snapshot.Pods.Namespace[pod], out List<int>? own))
        {
            groups.AddRange(own);
        }

        groups.Sort(); // group order, as a scan of every group would visit them
        var selecting = new List<(int, int)>();
        foreach (int g in groups)
        {
            (int constraints, int ns, _) = _groups[g];
            WeightedTerm[] terms = _termsOf[constraints]!;
            for (int t = 0; t < terms.Length; t++)
            {
                // Namespace and labels are all a term reads of the pod, and the label set fixes both.
                if (Predicates.TermSelects(_snapshot, terms[t].Term, ns, pod))
                {
                    selecting.Add((g, t));
                }
            }
        }

        (int, int)[] result = [.. selecting];
        _selecting[set] = result;
        return result;
    }
}
