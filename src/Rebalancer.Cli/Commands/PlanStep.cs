using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rebalancer.Cli.Hosting;
using Rebalancer.Cli.Telemetry;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Cli.Commands;

/// <summary>Planning as every command does it: inside a <c>plan</c> span with a child per plugin, timed, logged and measured.</summary>
internal static class PlanStep
{
    public static (Plan Plan, PlanTracer Tracer) Create(
        ClusterSnapshot snapshot, PlanningSettings settings, DateTimeOffset now, string mode,
        TimeProvider time, TerminalProgress progress, RebalancerMetrics metrics, ILogger logger)
    {
        using Activity? span = RebalancerTelemetry.Source.StartActivity(SpanNames.Plan);
        var tracer = new PlanTracer();
        long started = time.GetTimestamp();
        Plan plan;
        try
        {
            plan = Planner.Create(snapshot, settings, now, new PlanObservers(tracer, progress.Planning(settings)));
        }
        catch (Exception e)
        {
            span.RecordError(e);
            throw;
        }

        TimeSpan elapsed = time.GetElapsedTime(started);
        Describe(span, plan);
        span?.SetTag(SpanAttributes.NodeLossSurvivableBefore, plan.HeadroomBefore?.NodeLossSurvivable);
        span?.SetTag(SpanAttributes.NodeLossSurvivableAfter, plan.HeadroomAfter?.NodeLossSurvivable);
        metrics.RecordPlan(plan, elapsed, mode);
        Log.PlanCreated(logger, plan.Evictions.Count, plan.ConsideredNodes.Count, snapshot.Pods.Count, (long)elapsed.TotalMilliseconds);
        return (plan, tracer);
    }

    /// <summary>The plan's totals, on the <c>plan</c> span and again on the root span.</summary>
    public static void Describe(Activity? span, Plan plan)
    {
        span?.SetTag(SpanAttributes.Nodes, plan.Snapshot.Nodes.Count);
        span?.SetTag(SpanAttributes.NodesConsidered, plan.ConsideredNodes.Count);
        span?.SetTag(SpanAttributes.Pods, plan.Snapshot.Pods.Count);
        span?.SetTag(SpanAttributes.EvictionsPlanned, plan.Evictions.Count);
        span?.SetTag(SpanAttributes.Skips, plan.Skipped.Count);
    }

    /// <summary>What every run says about itself on the root span.</summary>
    public static void DescribeRun(Activity? root, string mode, string source, LoadedPolicy policy)
    {
        root?.SetTag(SpanAttributes.Mode, mode);
        root?.SetTag(SpanAttributes.Source, source);
        root?.SetTag(SpanAttributes.PolicySource, policy.Source);
        root?.SetTag(SpanAttributes.PolicyDigest, policy.Digest);
    }
}
