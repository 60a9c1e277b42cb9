namespace Rebalancer.Core.Planning;

/// <summary>The state one planning run shares between strategies (filled in by the planner).</summary>
public sealed partial class PlanningContext
{
}
