using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling.Scoring;
using Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;

namespace Rebalancer.Core.Scheduling;

/// <summary>
/// One topology spread constraint of a pod as kube-scheduler's PodTopologySpread evaluates it: the pod's own constraint
/// with <c>matchLabelKeys</c> merged into its selector, or a default constraint selecting the pod's siblings
/// (<see cref="Owner"/> set, <see cref="Selector"/> null).
/// </summary>
internal readonly record struct SpreadTerm(
    int TopologyKey,
    int MaxSkew,
    int MinDomains,
    NodeInclusionPolicy AffinityPolicy,
    NodeInclusionPolicy TaintsPolicy,
    LabelSelector? Selector,
    (int Namespace, int Kind, int Name) Owner);

/// <summary>
/// What PodTopologySpread's filter and score share (podtopologyspread/common.go, filtering.go, scoring.go, v1.29–v1.32):
/// which constraints apply to a pod, which pods a constraint counts (same namespace, not terminating, selected; a
/// selector without requirements counts none, as <c>countPodsMatchSelector</c> does), and which nodes count for the
/// domains under nodeAffinityPolicy / nodeTaintsPolicy.
/// </summary>
internal sealed class TopologySpreading
{
    private readonly ScoringContext _context;
    private readonly ClusterSnapshot _snapshot;
    private readonly PodTopologySpreadSettings _settings;
    private readonly (int Key, UnsatisfiableConstraintAction Action, int MaxSkew)[] _defaults;
    private readonly Dictionary<(int Constraints, int LabelSet, UnsatisfiableConstraintAction Action), SpreadTerm[]> _explicit = [];
    private readonly Dictionary<((int, int, int) Owner, UnsatisfiableConstraintAction Action), SpreadTerm[]> _defaulted = [];

    public TopologySpreading(ScoringContext context, PodTopologySpreadSettings settings)
    {
        _context = context;
        _snapshot = context.Snapshot;
        _settings = settings;
        _defaults = [.. settings.EffectiveDefaults.Select(d => (context.Snapshot.Strings.Find(d.TopologyKey), d.WhenUnsatisfiable, d.MaxSkew))];
    }

    public PodTopologySpreadSettings Settings => _settings;

    /// <summary>
    /// The constraints of <paramref name="pod"/> with <paramref name="action"/>: its own when it has any (even if none has
    /// this action), else the default constraints with this action when the pod has a spread owner.
    /// </summary>
    public ReadOnlySpan<SpreadTerm> Constraints(int pod, UnsatisfiableConstraintAction action, out bool own)
    {
        int constraintsId = _snapshot.Pods.Constraints[pod];
        TopologySpreadConstraint[] declared = _snapshot.ConstraintSets[constraintsId].TopologySpread;
        own = declared.Length > 0;
        if (own)
        {
            var key = (constraintsId, _snapshot.PodLabelSets.SetOf(pod), action);
            if (!_explicit.TryGetValue(key, out SpreadTerm[]? terms))
            {
                LabelView labels = _snapshot.Pods.Labels[pod];
                terms = [.. declared.Where(c => c.WhenUnsatisfiable == action).Select(c => new SpreadTerm(
                    c.TopologyKey, c.MaxSkew, c.MinDomains ?? 1, c.NodeAffinityPolicy, c.NodeTaintsPolicy, Predicates.MergeMatchLabelKeys(c, labels), default))];
                _explicit[key] = terms;
            }

            return terms;
        }

        if (_defaults.Length == 0 || !_context.TryGetSpreadOwner(pod, out var owner))
        {
            return [];
        }

        var ownerKey = (owner, action);
        if (!_defaulted.TryGetValue(ownerKey, out SpreadTerm[]? defaulted))
        {
            defaulted = [.. _defaults.Where(d => d.Action == action)
                .Select(d => new SpreadTerm(d.Key, d.MaxSkew, 1, NodeInclusionPolicy.Honor, NodeInclusionPolicy.Ignore, null, owner))];
            _defaulted[ownerKey] = defaulted;
        }

        return defaulted;
    }

    /// <summary>
    /// Appends the projected node of every pod <paramref name="term"/> counts (one entry per pod): pods in
    /// <paramref name="pod"/>'s namespace that the selector (or the owner) selects, running and not terminating, and not
    /// <paramref name="pod"/> itself, whose eviction removes it.
    /// </summary>
    public void MatchingPodNodes(int pod, in SpreadTerm term, List<int> nodes)
    {
        Projection projection = _context.Projection;
        PodTable pods = _snapshot.Pods;
        if (term.Selector is null)
        {
            foreach (int other in _context.PodsOfOwner(term.Owner))
            {
                int node = projection.NodeOf(other);
                if (other != pod && node >= 0 && !pods.Has(other, PodFlags.Terminating))
                {
                    nodes.Add(node);
                }
            }

            return;
        }

        LabelSelector selector = term.Selector;
        if (selector.MatchesNothing || selector.Requirements.Length == 0)
        {
            return; // labels.Selector.Empty(): countPodsMatchSelector counts nothing
        }

        PodLabelSets sets = _snapshot.PodLabelSets;
        foreach (int set in sets.CandidateSets(pods.Namespace[pod], selector))
        {
            if (!selector.Matches(pods.Labels[sets.RepresentativeOf(set)]))
            {
                continue;
            }

            foreach (int other in sets.PodsOf(set))
            {
                int node = projection.NodeOf(other);
                if (other != pod && node >= 0 && !pods.Has(other, PodFlags.Terminating))
                {
                    nodes.Add(node);
                }
            }
        }
    }

    /// <summary>Whether the constraint's own selector selects the pod (selfMatchNum); a default constraint always does.</summary>
    public bool SelfMatches(int pod, in SpreadTerm term) => term.Selector is null || term.Selector.Matches(_snapshot.Pods.Labels[pod]);

    /// <summary>
    /// matchNodeInclusionPolicies: with nodeAffinityPolicy Honor the node must match the pod's nodeSelector and required
    /// node affinity; with nodeTaintsPolicy Honor the pod must tolerate the node's NoSchedule and NoExecute taints.
    /// </summary>
    public bool Includes(int pod, in SpreadTerm term, int node, FitFailure[] staticFit)
    {
        FitFailure fit = staticFit[node];
        if (term.AffinityPolicy == NodeInclusionPolicy.Honor && fit == FitFailure.NodeSelector)
        {
            return false;
        }

        if (term.TaintsPolicy == NodeInclusionPolicy.Honor)
        {
            // The static row stops at the first failure: after a selector failure the taints are unknown.
            return fit == FitFailure.NodeSelector
                ? Predicates.ToleratesTaints(_snapshot.Nodes.TaintsOf(node), _snapshot.ConstraintsOf(pod).Tolerations, true, true, false, out _)
                : fit != FitFailure.Taint;
        }

        return true;
    }
}
