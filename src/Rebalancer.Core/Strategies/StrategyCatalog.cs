using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.Consolidation;
using Rebalancer.Core.Strategies.HighNodeUtilization;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Strategies.PodLifeTime;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Core.Strategies.RemoveFailedPods;
using Rebalancer.Core.Strategies.RemovePodsHavingTooManyRestarts;
using Rebalancer.Core.Strategies.RemovePodsViolatingInterPodAntiAffinity;
using Rebalancer.Core.Strategies.RemovePodsViolatingNodeAffinity;
using Rebalancer.Core.Strategies.RemovePodsViolatingNodeTaints;

namespace Rebalancer.Core.Strategies;

/// <summary>Every strategy a policy can name, one line each (the descheduler's setupplugins.go).</summary>
public static class StrategyCatalog
{
    public static IReadOnlyDictionary<string, StrategyEntry> Entries { get; } = new Dictionary<string, StrategyEntry>(StringComparer.Ordinal)
    {
        [LowNodeUtilizationStrategy.PluginName] = StrategyEntry.For<LowNodeUtilizationSettings>(LowNodeUtilizationStrategy.PluginName, LowNodeUtilizationSettings.Bind, s => new LowNodeUtilizationStrategy(s), ExtensionPoint.Balance),
        [HighNodeUtilizationStrategy.PluginName] = StrategyEntry.For<HighNodeUtilizationSettings>(HighNodeUtilizationStrategy.PluginName, HighNodeUtilizationSettings.Bind, s => new HighNodeUtilizationStrategy(s), ExtensionPoint.Balance),
        [ConsolidationStrategy.PluginName] = StrategyEntry.For<ConsolidationSettings>(ConsolidationStrategy.PluginName, ConsolidationSettings.Bind, s => new ConsolidationStrategy(s), ExtensionPoint.Balance),
        [RemoveDuplicatesStrategy.PluginName] = StrategyEntry.For<RemoveDuplicatesSettings>(RemoveDuplicatesStrategy.PluginName, RemoveDuplicatesSettings.Bind, s => new RemoveDuplicatesStrategy(s), ExtensionPoint.Balance),
        [PodLifeTimeStrategy.PluginName] = StrategyEntry.For<PodLifeTimeSettings>(PodLifeTimeStrategy.PluginName, PodLifeTimeSettings.Bind, s => new PodLifeTimeStrategy(s), ExtensionPoint.Deschedule),
        [RemoveFailedPodsStrategy.PluginName] = StrategyEntry.For<RemoveFailedPodsSettings>(RemoveFailedPodsStrategy.PluginName, RemoveFailedPodsSettings.Bind, s => new RemoveFailedPodsStrategy(s), ExtensionPoint.Deschedule),
        [RemovePodsHavingTooManyRestartsStrategy.PluginName] = StrategyEntry.For<RemovePodsHavingTooManyRestartsSettings>(RemovePodsHavingTooManyRestartsStrategy.PluginName, RemovePodsHavingTooManyRestartsSettings.Bind, s => new RemovePodsHavingTooManyRestartsStrategy(s), ExtensionPoint.Deschedule),
        [RemovePodsViolatingInterPodAntiAffinityStrategy.PluginName] = StrategyEntry.For<RemovePodsViolatingInterPodAntiAffinitySettings>(RemovePodsViolatingInterPodAntiAffinityStrategy.PluginName, RemovePodsViolatingInterPodAntiAffinitySettings.Bind, s => new RemovePodsViolatingInterPodAntiAffinityStrategy(s), ExtensionPoint.Deschedule),
        [RemovePodsViolatingNodeAffinityStrategy.PluginName] = StrategyEntry.For<RemovePodsViolatingNodeAffinitySettings>(RemovePodsViolatingNodeAffinityStrategy.PluginName, RemovePodsViolatingNodeAffinitySettings.Bind, s => new RemovePodsViolatingNodeAffinityStrategy(s), ExtensionPoint.Deschedule),
        [RemovePodsViolatingNodeTaintsStrategy.PluginName] = StrategyEntry.For<RemovePodsViolatingNodeTaintsSettings>(RemovePodsViolatingNodeTaintsStrategy.PluginName, RemovePodsViolatingNodeTaintsSettings.Bind, s => new RemovePodsViolatingNodeTaintsStrategy(s), ExtensionPoint.Deschedule),
        [RemovePodsViolatingTopologySpreadConstraint.RemovePodsViolatingTopologySpreadConstraintStrategy.PluginName] = StrategyEntry.For<RemovePodsViolatingTopologySpreadConstraint.RemovePodsViolatingTopologySpreadConstraintSettings>(RemovePodsViolatingTopologySpreadConstraint.RemovePodsViolatingTopologySpreadConstraintStrategy.PluginName, RemovePodsViolatingTopologySpreadConstraint.RemovePodsViolatingTopologySpreadConstraintSettings.Bind, s => new RemovePodsViolatingTopologySpreadConstraint.RemovePodsViolatingTopologySpreadConstraintStrategy(s), ExtensionPoint.Balance),
        [SpotRatio.SpotRatioStrategy.PluginName] = StrategyEntry.For<SpotRatio.SpotRatioSettings>(SpotRatio.SpotRatioStrategy.PluginName, SpotRatio.SpotRatioSettings.Bind, s => new SpotRatio.SpotRatioStrategy(s), ExtensionPoint.Balance),
    };

    /// <summary>The name of the evictor plugin every profile gets (its args live in pluginConfig like a strategy's).</summary>
    public const string DefaultEvictor = "DefaultEvictor";
}
