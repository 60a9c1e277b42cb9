using System.Diagnostics;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Telemetry;

/// <summary>
/// Makes a <c>plan.plugin</c> span of each plugin run (a child of the current <c>plan</c> span) and remembers it, so
/// each eviction's span can link to the plugin run that proposed it.
/// </summary>
internal sealed class PlanTracer : IPlanObserver
{
    private readonly Dictionary<(string Profile, string Plugin), ActivityContext> _runs = [];
    private Activity? _current;

    public void PluginStarting(string profile, string plugin, ExtensionPoint point)
    {
        _current = RebalancerTelemetry.Source.StartActivity(SpanNames.Plugin);
        _current?.SetTag(SpanAttributes.Profile, profile);
        _current?.SetTag(SpanAttributes.Plugin, plugin);
        _current?.SetTag(SpanAttributes.ExtensionPoint, point.ToString());
    }

    public void PluginFinished(PluginResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using Activity? span = _current;
        _current = null;
        if (span is null)
        {
            return;
        }

        PluginRun run = result.Run;
        span.SetTag(SpanAttributes.Candidates, run.Evictions + run.Skips);
        span.SetTag(SpanAttributes.EvictionsProposed, run.Evictions);
        span.SetTag(SpanAttributes.PluginSkips, run.Skips);
        span.SetTag(SpanAttributes.SkipsByReason, result.Skipped
            .GroupBy(skip => skip.Reason, StringComparer.Ordinal)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => $"{group.Key}={group.Count()}")
            .ToArray());
        if (result.Consolidation is ConsolidationSummary consolidation)
        {
            span.SetTag(SpanAttributes.NodesDrained, consolidation.Drained.Count);
        }

        if (result.Spot is SpotSummary spot)
        {
            span.SetTag(SpanAttributes.SpotFractionBefore, (double)spot.FractionBefore);
            span.SetTag(SpanAttributes.SpotFractionAfter, (double)spot.FractionAfter);
        }

        _runs[(run.Profile, run.Plugin)] = span.Context;
    }

    /// <summary>The span of the plugin run that planned <paramref name="eviction"/>; default when it was not traced.</summary>
    public ActivityContext ProposedBy(PlannedEviction eviction)
    {
        ArgumentNullException.ThrowIfNull(eviction);
        return _runs.GetValueOrDefault((eviction.Profile, eviction.Plugin));
    }
}

/// <summary>Several observers as one.</summary>
internal sealed class PlanObservers(params IPlanObserver?[] observers) : IPlanObserver
{
    public void PluginStarting(string profile, string plugin, ExtensionPoint point)
    {
        foreach (IPlanObserver? observer in observers)
        {
            observer?.PluginStarting(profile, plugin, point);
        }
    }

    public void PluginFinished(PluginResult result)
    {
        foreach (IPlanObserver? observer in observers)
        {
            observer?.PluginFinished(result);
        }
    }
}
