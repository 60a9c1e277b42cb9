using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingTopologySpreadConstraint;

/// <summary>
/// Evicts pods so that the topology spread constraints of their namespace are balanced again (descheduler-semantics
/// §1.7): per namespace, every distinct constraint of an allowed <c>whenUnsatisfiable</c> (with the declaring pod's
/// <c>matchLabelKeys</c> values, node affinity and tolerations) is checked; when the largest and the smallest eligible
/// domain differ by more than <c>maxSkew</c>, the descheduler's two-pointer algorithm moves pods from domains above the
/// average to domains below it.
/// <para>
/// Unlike the descheduler, domains are counted in the projection, and every planned eviction counts in the domain of its
/// projected target: a second constraint on the same pods (or a later plugin) sees the balanced state instead of evicting
/// again (descheduler issue #1219). Counts follow the scheduler: every matching, non-terminating pod on an eligible node
/// counts, evictable or not, and <c>minDomains</c> is honoured. See docs/compatibility.md for every difference.
/// </para>
/// </summary>
public sealed class RemovePodsViolatingTopologySpreadConstraintStrategy : IStrategy
{
    public const string PluginName = "RemovePodsViolatingTopologySpreadConstraint";

    private readonly RemovePodsViolatingTopologySpreadConstraintSettings _settings;

    public RemovePodsViolatingTopologySpreadConstraintStrategy(RemovePodsViolatingTopologySpreadConstraintSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context) => new TopologyBalancer(context, _settings).Run();
}
