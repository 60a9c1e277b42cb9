using Rebalancer.Core.Evictor;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Planning;

/// <summary>What the planner needs from a policy: global limits, the node selector, and each profile's evictor and strategies.</summary>
public sealed record PlanningSettings
{
    public LabelSelectorSpec? NodeSelector { get; init; }

    public uint? MaxPodsToEvictPerNode { get; init; }

    public uint? MaxPodsToEvictPerNamespace { get; init; }

    public uint? MaxPodsToEvictTotal { get; init; }

    public IReadOnlyList<PlanningProfile> Profiles { get; init; } = [];

    /// <summary>The kube-scheduler scoring every projected move follows (the policy's <c>scheduler:</c> section).</summary>
    public SchedulerProfile Scheduler { get; init; } = SchedulerProfile.Default;

    /// <summary>What was read from Prometheus beside the snapshot (usage history, node values); none by default.</summary>
    public UsageInputs Usage { get; init; } = UsageInputs.None;
}

public sealed record PlanningProfile(string Name, DefaultEvictorSettings Evictor, IReadOnlyList<IStrategy> Deschedule, IReadOnlyList<IStrategy> Balance);
