using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Planning;

/// <summary>Turns a bound policy into planner settings: each enabled plugin becomes a strategy instance.</summary>
public static class PolicyPlanning
{
    public static PlanningSettings ToPlanningSettings(this DeschedulerPolicy policy) => new()
    {
        NodeSelector = policy.NodeSelector,
        MaxPodsToEvictPerNode = policy.MaxPodsToEvictPerNode,
        MaxPodsToEvictPerNamespace = policy.MaxPodsToEvictPerNamespace,
        MaxPodsToEvictTotal = policy.MaxPodsToEvictTotal,
        Scheduler = policy.Scheduler,
        Profiles = policy.Profiles
            .Select(p => new PlanningProfile(
                p.Name,
                p.Evictor,
                p.Deschedule.Select(c => c.Entry.Create(c.Settings)).ToList(),
                p.Balance.Select(c => c.Entry.Create(c.Settings)).ToList()))
            .ToList(),
    };
}
