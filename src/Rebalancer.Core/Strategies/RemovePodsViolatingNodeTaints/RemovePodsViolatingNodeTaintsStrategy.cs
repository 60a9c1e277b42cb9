using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Strategies.PodLifeTime;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingNodeTaints;

/// <summary>
/// Evicts running pods that do not tolerate a counted taint of their node (descheduler-semantics §1.6): effect
/// <c>NoSchedule</c> (and <c>PreferNoSchedule</c> with <c>includePreferNoSchedule</c>), not excluded, and included when
/// <c>includedTaints</c> is set. <c>NoExecute</c> taints are not considered: the kubelet's taint manager handles them.
/// Nodes are visited in the planner's order; node limit → next node, total limit → stop.
/// </summary>
public sealed class RemovePodsViolatingNodeTaintsStrategy : IStrategy
{
    public const string PluginName = "RemovePodsViolatingNodeTaints";

    private readonly RemovePodsViolatingNodeTaintsSettings _settings;
    private readonly HashSet<string> _excluded;
    private readonly HashSet<string>? _included;

    public RemovePodsViolatingNodeTaintsStrategy(RemovePodsViolatingNodeTaintsSettings settings)
    {
        _settings = settings;
        _excluded = new HashSet<string>(settings.ExcludedTaints, StringComparer.Ordinal);
        _included = settings.IncludedTaints is null ? null : new HashSet<string>(settings.IncludedTaints, StringComparer.Ordinal);
    }

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        var scope = new PodScope(snapshot, _settings.Namespaces, _settings.LabelSelector);
        var counted = new List<Taint>();
        foreach (int node in context.Nodes)
        {
            counted.Clear();
            foreach (Taint taint in snapshot.Nodes.TaintsOf(node))
            {
                if (Counts(snapshot.Strings, taint))
                {
                    counted.Add(taint);
                }
            }

            if (counted.Count == 0)
            {
                continue;
            }

            foreach (int pod in snapshot.PodsOn(node))
            {
                // Running pods still on this node in the projection (not terminal, not evicted by an earlier plugin).
                if (context.Projection.NodeOf(pod) != node || !scope.Contains(pod) || !Untolerated(snapshot, pod, counted, out Taint taint))
                {
                    continue;
                }

                string reason = $"taint {Describe(snapshot.Strings, taint)} on {snapshot.Nodes.Name[node]} is not tolerated";
                EvictResult result = context.TryEvict(pod, reason);
                if (result == EvictResult.TotalLimitReached)
                {
                    return;
                }

                if (result == EvictResult.NodeLimitReached)
                {
                    break;
                }
            }
        }
    }

    /// <summary>The descheduler's taint filter: the effect, then excludedTaints, then includedTaints (key or key=value).</summary>
    private bool Counts(StringTable strings, Taint taint)
    {
        bool effect = taint.Effect == TaintEffect.NoSchedule || (_settings.IncludePreferNoSchedule && taint.Effect == TaintEffect.PreferNoSchedule);
        if (!effect)
        {
            return false;
        }

        string key = strings[taint.Key];
        string? keyValue = taint.Value == 0 ? null : key + "=" + strings[taint.Value];
        if (_excluded.Contains(key) || (keyValue is not null && _excluded.Contains(keyValue)))
        {
            return false;
        }

        return _included is null || _included.Contains(key) || (keyValue is not null && _included.Contains(keyValue));
    }

    private static bool Untolerated(ClusterSnapshot snapshot, int pod, List<Taint> taints, out Taint untolerated)
    {
        Toleration[] tolerations = snapshot.ConstraintsOf(pod).Tolerations;
        foreach (Taint taint in taints)
        {
            if (!Predicates.Tolerates(tolerations, taint))
            {
                untolerated = taint;
                return true;
            }
        }

        untolerated = default;
        return false;
    }

    private static string Describe(StringTable strings, Taint taint) =>
        strings[taint.Key] + (taint.Value == 0 ? string.Empty : "=" + strings[taint.Value]) + ":" + taint.Effect;
}
