using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.RemoveDuplicates;

/// <summary>Evicts duplicate pods of one owner on the same node, keeping each node at or below the fair share.</summary>
public sealed class RemoveDuplicatesStrategy : IStrategy
{
    public const string PluginName = "RemoveDuplicates";

    private readonly RemoveDuplicatesSettings _settings;

    public RemoveDuplicatesStrategy(RemoveDuplicatesSettings settings) => _settings = settings;

    public string Name => PluginName;

    public RemoveDuplicatesSettings Settings => _settings;

    public void Run(PlanningContext context)
    {
        // Implemented with the planner.
    }
}
