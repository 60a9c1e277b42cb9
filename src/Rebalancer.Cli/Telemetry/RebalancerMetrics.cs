using System.Diagnostics;
using System.Diagnostics.Metrics;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Telemetry;

/// <summary>
/// Every instrument of Rebalancer, on the meter named like the ActivitySource (<see cref="RebalancerTelemetry.Name"/>).
/// Fed once per run at the boundary, from the plan and the execution result, never from inside planning loops.
/// Names and tags: docs/telemetry.md.
/// </summary>
internal sealed class RebalancerMetrics
{
    private readonly Counter<long> _evictions;
    private readonly Gauge<long> _pods;
    private readonly Gauge<long> _nodes;
    private readonly Histogram<double> _planDuration;
    private readonly Gauge<long> _nodesDrained;
    private readonly Gauge<double> _spotFraction;
    private readonly Gauge<long> _headroom;

    public RebalancerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(RebalancerTelemetry.Name, CliApp.Version);
        _evictions = meter.CreateCounter<long>("rebalancer.evictions", "{eviction}",
            "Planned evictions by plugin and outcome (Planned when nothing was executed, DryRun for a client dry run).");
        _pods = meter.CreateGauge<long>("rebalancer.pods.considered", "{pod}", "Pods in the snapshot the plan was made on.");
        _nodes = meter.CreateGauge<long>("rebalancer.nodes.considered", "{node}", "Nodes the planner considered (Ready, matching the policy's nodeSelector).");
        _planDuration = meter.CreateHistogram<double>("rebalancer.plan.duration", "s", "Time spent planning.");
        _nodesDrained = meter.CreateGauge<long>("rebalancer.nodes.drained", "{node}", "Nodes the plan empties (Consolidation).");
        _spotFraction = meter.CreateGauge<double>("rebalancer.spot.fraction", "1", "Share of requested capacity on spot nodes, before and after the plan (SpotRatio).");
        _headroom = meter.CreateGauge<long>("rebalancer.headroom.n_minus_one", "1",
            "1 when every pod would re-fit after losing the largest node (or zone), before and after the plan; 0 otherwise.");
    }

    public void RecordPlan(Plan plan, TimeSpan duration, string mode)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var tags = new TagList { { SpanAttributes.Mode, mode } };
        _planDuration.Record(duration.TotalSeconds, tags);
        _pods.Record(plan.Snapshot.Pods.Count, tags);
        _nodes.Record(plan.ConsideredNodes.Count, tags);
        if (plan.Consolidation is ConsolidationSummary consolidation)
        {
            _nodesDrained.Record(consolidation.Drained.Count, tags);
        }

        if (plan.Spot is SpotSummary spot)
        {
            _spotFraction.Record((double)spot.FractionBefore, With(tags, "rebalancer.phase", "before"));
            _spotFraction.Record((double)spot.FractionAfter, With(tags, "rebalancer.phase", "after"));
        }

        RecordHeadroom(plan.HeadroomBefore, With(tags, "rebalancer.phase", "before"));
        RecordHeadroom(plan.HeadroomAfter, With(tags, "rebalancer.phase", "after"));
    }

    /// <summary>One count per planned eviction; <paramref name="outcomes"/> is parallel to <see cref="Plan.Evictions"/>.</summary>
    public void RecordEvictions(Plan plan, IReadOnlyList<string> outcomes, string mode)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var group in plan.Evictions.Select((eviction, i) => (eviction.Plugin, Outcome: outcomes[i])).GroupBy(e => e))
        {
            _evictions.Add(group.Count(), new TagList
            {
                { SpanAttributes.Mode, mode },
                { SpanAttributes.Plugin, group.Key.Plugin },
                { SpanAttributes.Outcome, group.Key.Outcome },
            });
        }
    }

    private void RecordHeadroom(HeadroomVerdict? verdict, TagList tags)
    {
        if (verdict is null)
        {
            return;
        }

        _headroom.Record(verdict.NodeLossSurvivable ? 1 : 0, With(tags, "rebalancer.failure_domain", "node"));
        if (verdict.ZoneLossSurvivable is bool zone)
        {
            _headroom.Record(zone ? 1 : 0, With(tags, "rebalancer.failure_domain", "zone"));
        }
    }

    private static TagList With(TagList tags, string key, string value)
    {
        TagList copy = tags;
        copy.Add(key, value);
        return copy;
    }
}
