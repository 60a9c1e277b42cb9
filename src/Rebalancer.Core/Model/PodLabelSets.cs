using System.Runtime.InteropServices;

namespace Rebalancer.Core.Model;

/// <summary>
/// Pods grouped by namespace and identical labels. Replicas of one workload usually share both, so a label selector
/// (a PodDisruptionBudget's, an anti-affinity term's) is matched once per set instead of once per pod: with 6,400 PDBs
/// over 150,000 pods that is the difference between millions of selector evaluations and a few hundred thousand.
/// Sets are numbered in order of their first pod, so everything derived from them is deterministic.
/// </summary>
public sealed class PodLabelSets
{
    private readonly int[] _setOfPod;
    private readonly int[] _namespace;
    private readonly int[] _podStart;
    private readonly int[] _pods;
    private readonly Dictionary<int, int[]> _setsByNamespace;
    private readonly PodTable _podTable;
    private Dictionary<(int Namespace, int Key, int Value), List<int>>? _postings;

    internal PodLabelSets(PodTable pods)
    {
        _podTable = pods;
        var interner = new SequenceInterner();
        var scratch = new List<int>();
        _setOfPod = new int[pods.Count];
        var namespaces = new List<int>();
        for (int p = 0; p < pods.Count; p++)
        {
            LabelView labels = pods.Labels[p];
            scratch.Clear();
            scratch.Add(pods.Namespace[p]);
            ReadOnlySpan<int> keys = labels.Keys;
            ReadOnlySpan<int> values = labels.Values;
            for (int i = 0; i < keys.Length; i++)
            {
                scratch.Add(keys[i]);
                scratch.Add(values[i]);
            }

            int set = interner.Intern(CollectionsMarshal.AsSpan(scratch));
            if (set == namespaces.Count)
            {
                namespaces.Add(pods.Namespace[p]);
            }

            _setOfPod[p] = set;
        }

        int count = namespaces.Count;
        _namespace = [.. namespaces];

        // Pods of each set, in pod order (counting sort).
        _podStart = new int[count + 1];
        foreach (int set in _setOfPod)
        {
            _podStart[set + 1]++;
        }

        for (int s = 0; s < count; s++)
        {
            _podStart[s + 1] += _podStart[s];
        }

        _pods = new int[pods.Count];
        int[] fill = _podStart[..count];
        for (int p = 0; p < pods.Count; p++)
        {
            _pods[fill[_setOfPod[p]]++] = p;
        }

        var byNamespace = new Dictionary<int, List<int>>();
        for (int s = 0; s < count; s++)
        {
            if (!byNamespace.TryGetValue(_namespace[s], out List<int>? list))
            {
                byNamespace[_namespace[s]] = list = [];
            }

            list.Add(s);
        }

        _setsByNamespace = byNamespace.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }

    public int Count => _namespace.Length;

    public int SetOf(int pod) => _setOfPod[pod];

    public int NamespaceOf(int set) => _namespace[set];

    /// <summary>The pods of a set, ascending; the first one carries the set's labels.</summary>
    public ReadOnlySpan<int> PodsOf(int set) => _pods.AsSpan(_podStart[set], _podStart[set + 1] - _podStart[set]);

    /// <summary>A pod whose labels are the set's.</summary>
    public int RepresentativeOf(int set) => _pods[_podStart[set]];

    /// <summary>The sets of a namespace, ascending.</summary>
    public ReadOnlySpan<int> SetsIn(int ns) => _setsByNamespace.TryGetValue(ns, out int[]? sets) ? sets : [];

    /// <summary>
    /// The sets of a namespace that <paramref name="selector"/> may select, ascending: when it has an <c>In</c>
    /// requirement (matchLabels are one each), only the sets carrying one of its values, looked up in an inverted index;
    /// otherwise every set of the namespace. A superset: callers still match the selector on each set's labels. With
    /// thousands of workloads in one namespace, a term naming one app no longer tests every set.
    /// </summary>
    public IReadOnlyList<int> CandidateSets(int ns, LabelSelector selector)
    {
        SelectorRequirement? narrowing = null;
        foreach (SelectorRequirement requirement in selector.Requirements)
        {
            if (requirement.Operator == SelectorOperator.In && (narrowing is null || requirement.Values.Length < narrowing.Values.Length))
            {
                narrowing = requirement;
            }
        }

        if (narrowing is null || selector.MatchesNothing)
        {
            return selector.MatchesNothing ? [] : SetsIn(ns).ToArray();
        }

        Dictionary<(int, int, int), List<int>> postings = _postings ??= BuildPostings();
        if (narrowing.Values.Length == 1)
        {
            return postings.TryGetValue((ns, narrowing.Key, narrowing.Values[0]), out List<int>? only) ? only : [];
        }

        var union = new SortedSet<int>();
        foreach (int value in narrowing.Values)
        {
            if (postings.TryGetValue((ns, narrowing.Key, value), out List<int>? sets))
            {
                union.UnionWith(sets);
            }
        }

        return [.. union];
    }

    /// <summary>(namespace, label key, label value) → the sets with that label, ascending.</summary>
    private Dictionary<(int, int, int), List<int>> BuildPostings()
    {
        var postings = new Dictionary<(int, int, int), List<int>>();
        for (int set = 0; set < Count; set++)
        {
            LabelView labels = _podTable.Labels[RepresentativeOf(set)];
            ReadOnlySpan<int> keys = labels.Keys;
            ReadOnlySpan<int> values = labels.Values;
            for (int i = 0; i < keys.Length; i++)
            {
                var key = (_namespace[set], keys[i], values[i]);
                if (!postings.TryGetValue(key, out List<int>? list))
                {
                    postings[key] = list = [];
                }

                list.Add(set);
            }
        }

        return postings;
    }
}
