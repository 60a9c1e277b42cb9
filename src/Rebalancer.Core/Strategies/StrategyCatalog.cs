using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.RemoveDuplicates;

namespace Rebalancer.Core.Strategies;

/// <summary>Every strategy a policy can name, one line each (the descheduler's setupplugins.go).</summary>
public static class StrategyCatalog
{
    public static IReadOnlyDictionary<string, StrategyEntry> Entries { get; } = new Dictionary<string, StrategyEntry>(StringComparer.Ordinal)
    {
        [RemoveDuplicatesStrategy.PluginName] = StrategyEntry.For<RemoveDuplicatesSettings>(RemoveDuplicatesStrategy.PluginName, RemoveDuplicatesSettings.Bind, s => new RemoveDuplicatesStrategy(s), ExtensionPoint.Balance),
    };

    /// <summary>The name of the evictor plugin every profile gets (its args live in pluginConfig like a strategy's).</summary>
    public const string DefaultEvictor = "DefaultEvictor";
}
