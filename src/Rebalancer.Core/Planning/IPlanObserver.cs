using Rebalancer.Core.Strategies.Consolidation;
using Rebalancer.Core.Strategies.SpotRatio;

namespace Rebalancer.Core.Planning;

/// <summary>
/// Told when each plugin run starts and finishes, so a caller can time and describe plugin runs (the CLI makes a
/// trace span of each) while the planner itself stays free of clocks, logging and tracing.
/// </summary>
/// <remarks>Called synchronously on the planning thread, in plugin order; an observer must not touch the snapshot's state.</remarks>
public interface IPlanObserver
{
    void PluginStarting(string profile, string plugin, ExtensionPoint point);

    void PluginFinished(PluginResult result);
}

/// <summary>What one plugin run produced: its counts, its skips, and the summary the plugin left for the report, if any.</summary>
/// <param name="Skipped">This run's skips only, in the order they were recorded.</param>
/// <param name="Consolidation">Set when the plugin is Consolidation.</param>
/// <param name="Spot">Set when the plugin is SpotRatio.</param>
public sealed record PluginResult(PluginRun Run, IReadOnlyList<SkippedPod> Skipped, ConsolidationSummary? Consolidation, SpotSummary? Spot)
{
    /// <summary>Built only when someone observes, so an unobserved plan copies nothing.</summary>
    internal static PluginResult Of(PluginRun run, PlanningContext context, int firstSkip)
    {
        IReadOnlyList<SkippedPod> all = context.Skipped;
        var skipped = new SkippedPod[all.Count - firstSkip];
        for (int i = 0; i < skipped.Length; i++)
        {
            skipped[i] = all[firstSkip + i];
        }

        return new PluginResult(
            run,
            skipped,
            run.Plugin == ConsolidationStrategy.PluginName ? context.Consolidation : null,
            run.Plugin == SpotRatioStrategy.PluginName ? context.Spot : null);
    }
}
