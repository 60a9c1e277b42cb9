using Rebalancer.Core.Model;
using Rebalancer.Core.Scheduling;

namespace Rebalancer.Core.Planning;

/// <summary>
/// The static nodeFit predicates — nodeSelector / required node affinity, then NoSchedule/NoExecute taints — of every
/// node, evaluated once per distinct static part of a constraint set. Workloads that differ only in their pod
/// (anti-)affinity or spread terms share that part, so a 150,000-pod cluster with thousands of constraint sets has
/// only a handful of these rows (ten in the generated clusters): evaluating per constraint set instead cost
/// constraint sets × nodes predicate checks. The cordon (spec.unschedulable) is not part of a row: callers that honour
/// it read <see cref="NodeTable.IsUnschedulable"/> first, and RemoveDuplicates' feasible-node count deliberately ignores it.
/// </summary>
public sealed class StaticFitIndex
{
    private readonly ClusterSnapshot _snapshot;
    private readonly int[] _rowOfConstraints;
    private readonly Dictionary<StaticKey, int> _rows = [];
    private readonly List<FitFailure[]> _fit = [];

    public StaticFitIndex(ClusterSnapshot snapshot)
    {
        _snapshot = snapshot;
        _rowOfConstraints = new int[snapshot.ConstraintSets.Length];
        Array.Fill(_rowOfConstraints, -1);
    }

    /// <summary>Number of distinct static predicate sets seen so far.</summary>
    public int RowCount => _fit.Count;

    /// <summary>The id of the constraint set's static part: equal ids mean equal static predicates on every node.</summary>
    public int RowOf(int constraintsId)
    {
        int row = _rowOfConstraints[constraintsId];
        if (row >= 0)
        {
            return row;
        }

        var key = new StaticKey(_snapshot.ConstraintSets[constraintsId]);
        if (!_rows.TryGetValue(key, out row))
        {
            row = _fit.Count;
            _rows[key] = row;
            _fit.Add(Evaluate(_snapshot.ConstraintSets[constraintsId]));
        }

        _rowOfConstraints[constraintsId] = row;
        return row;
    }

    /// <summary>The row of a constraint set given by value (e.g. a topology spread constraint's placement).</summary>
    public int RowFor(PodConstraints constraints)
    {
        var key = new StaticKey(constraints);
        if (!_rows.TryGetValue(key, out int row))
        {
            row = _fit.Count;
            _rows[key] = row;
            _fit.Add(Evaluate(constraints));
        }

        return row;
    }

    /// <summary>Per node: <see cref="FitFailure.None"/>, <see cref="FitFailure.NodeSelector"/> or <see cref="FitFailure.Taint"/> (the first that fails).</summary>
    public FitFailure[] Row(int row) => _fit[row];

    /// <summary>The static predicates of the pod's constraint set on every node (cordon not included).</summary>
    public FitFailure[] ForPod(int pod) => _fit[RowOf(_snapshot.Pods.Constraints[pod])];

    private FitFailure[] Evaluate(PodConstraints constraints)
    {
        NodeTable nodes = _snapshot.Nodes;
        var fit = new FitFailure[nodes.Count];
        for (int n = 0; n < fit.Length; n++)
        {
            if (!Predicates.MatchesNodeSelector(_snapshot, constraints, n))
            {
                fit[n] = FitFailure.NodeSelector;
            }
            else if (!Predicates.ToleratesTaints(nodes.TaintsOf(n), constraints.Tolerations, noSchedule: true, noExecute: true, preferNoSchedule: false, out _))
            {
                fit[n] = FitFailure.Taint;
            }
        }

        return fit;
    }

    /// <summary>The part of a constraint set the static predicates read.</summary>
    private sealed class StaticKey(PodConstraints constraints) : IEquatable<StaticKey>
    {
        private readonly Toleration[] _tolerations = constraints.Tolerations;
        private readonly (int Key, int Value)[] _nodeSelector = constraints.NodeSelector;
        private readonly NodeSelectorTerm[]? _affinity = constraints.RequiredNodeAffinity;

        public bool Equals(StaticKey? other) =>
            other is not null
            && _tolerations.AsSpan().SequenceEqual(other._tolerations)
            && _nodeSelector.AsSpan().SequenceEqual(other._nodeSelector)
            && (_affinity is null ? other._affinity is null : other._affinity is not null && _affinity.AsSpan().SequenceEqual(other._affinity));

        public override bool Equals(object? obj) => Equals(obj as StaticKey);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            Add(ref hash, _tolerations);
            Add(ref hash, _nodeSelector);
            if (_affinity is null)
            {
                hash.Add(-1);
            }
            else
            {
                Add(ref hash, _affinity);
            }

            return hash.ToHashCode();
        }

        private static void Add<T>(ref HashCode hash, T[] items)
        {
            hash.Add(items.Length);
            foreach (T item in items)
            {
                hash.Add(item);
            }
        }
    }
}
