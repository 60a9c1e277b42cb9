using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Scheduling.Scoring.NodeResourcesBalancedAllocation;

/// <summary>NodeResourcesBalancedAllocation's args: the resources whose fractions it balances (weights must be 1).</summary>
public sealed record NodeResourcesBalancedAllocationSettings(IReadOnlyList<ResourceWeight> Resources)
{
    public static readonly NodeResourcesBalancedAllocationSettings Default = new(ResourceWeight.CpuAndMemory);

    public static NodeResourcesBalancedAllocationSettings Bind(ArgsReader args) =>
        new(ResourceWeight.Read(args, "resources", onlyWeight: 1) ?? ResourceWeight.CpuAndMemory);

    public override string ToString() => string.Join(", ", Resources.Select(r => r.Name));
}
