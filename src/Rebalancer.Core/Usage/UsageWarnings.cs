using System.Globalization;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Usage;

/// <summary>
/// Puts what went wrong reading Prometheus, and what the history lacks for this snapshot, in the plan's warnings before
/// any plugin runs (planner-wide: no profile, no plugin), and returns the history's summary for the report.
/// </summary>
internal static class UsageWarnings
{
    public static UsageSummary? Report(PlanningContext context)
    {
        foreach (string warning in context.Usage.Warnings)
        {
            context.Warn(warning);
        }

        if (context.History is not { } match)
        {
            return null;
        }

        UsageSummary summary = match.Summary;
        if (summary.RunningPodsWithoutSeries > 0)
        {
            context.Warn(string.Create(CultureInfo.InvariantCulture,
                $"usage history: {summary.RunningPodsWithoutSeries} of {summary.RunningPods} running pods have no usage series in {summary.Source} ({Examples(summary.RunningPodsWithoutSeriesExamples, summary.RunningPodsWithoutSeries)}); they have no history. Check that cAdvisor is scraped and that usageHistory.metrics and usageHistory.labels match the cluster's metric and label names"));
        }

        if (summary.ContainersWithGaps > 0)
        {
            context.Warn(string.Create(CultureInfo.InvariantCulture,
                $"usage history: {summary.ContainersWithGaps} of {summary.ContainersInSnapshot} containers have samples for less than {UsageHistoryMatch.GapThreshold * 100:0}% of their pod's lifetime in the {Durations.Format(summary.Window)} window (gaps in scraping or retention: {Examples(summary.ContainersWithGapsExamples, summary.ContainersWithGaps)}); their statistics rest on the samples there are"));
        }

        return summary;
    }

    private static string Examples(IReadOnlyList<string> examples, int total) =>
        string.Join(", ", examples) + (total > examples.Count ? ", …" : string.Empty);
}
