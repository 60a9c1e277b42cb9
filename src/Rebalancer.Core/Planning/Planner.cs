using Rebalancer.Core.Model;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Planning;

/// <summary>
/// Runs every profile's Deschedule strategies, then every profile's Balance strategies (the descheduler's order, its
/// issue #979), against one shared <see cref="PlanningContext"/>, and returns the plan. Pure: same inputs, same plan.
/// </summary>
public static class Planner
{
    /// <param name="observer">Told when each plugin starts and finishes (tracing); null for none.</param>
    public static Plan Create(ClusterSnapshot snapshot, PlanningSettings settings, DateTimeOffset now, IPlanObserver? observer = null)
    {
        var context = new PlanningContext(snapshot, settings, now);
        UsageSummary? usage = UsageWarnings.Report(context);
        var runs = new List<PluginRun>();
        if (context.Nodes.Count < 2)
        {
            // The descheduler skips a cycle with fewer than 2 ready nodes: there is nowhere to move anything.
            context.Warn($"only {context.Nodes.Count} ready node(s) match the policy: nothing to plan");
        }
        else
        {
            foreach (ExtensionPoint point in new[] { ExtensionPoint.Deschedule, ExtensionPoint.Balance })
            {
                foreach (PlanningProfile profile in settings.Profiles)
                {
                    context.BeginProfile(profile);
                    foreach (IStrategy strategy in point == ExtensionPoint.Deschedule ? profile.Deschedule : profile.Balance)
                    {
                        context.BeginPlugin(strategy.Name);
                        observer?.PluginStarting(profile.Name, strategy.Name, point);
                        int evictions = context.Evictions.Count;
                        int skips = context.Skipped.Count;
                        strategy.Run(context);
                        var run = new PluginRun(profile.Name, strategy.Name, point, context.Evictions.Count - evictions, context.Skipped.Count - skips);
                        runs.Add(run);
                        observer?.PluginFinished(PluginResult.Of(run, context, skips));
                    }
                }
            }
        }

        // N-1 headroom of the cluster as it is and as the plan leaves it (nothing to say without a considered node).
        long[] requestedAfter = (long[])context.Projection.Requested.Clone();
        PodTable pods = snapshot.Pods;
        var options = new HeadroomOptions(StaticFit: context.StaticFit);
        HeadroomVerdict? headroomBefore = context.Nodes.Count == 0 ? null
            : Headroom.Evaluate(snapshot, context.Nodes, SnapshotPodsOn(snapshot), context.Projection.Initial, options);
        // Nodes the plan empties (Consolidation, HighNodeUtilization with cordon) are going away: their free capacity is no headroom.
        var drained = context.Drains.Select(d => d.Node).ToHashSet();
        List<int> nodesAfter = context.Nodes.Where(n => !drained.Contains(n)).ToList();
        HeadroomVerdict? headroomAfter = nodesAfter.Count == 0 ? null
            : context.Evictions.Count == 0 && drained.Count == 0 ? headroomBefore // the same cluster state: the same verdict
            : Headroom.Evaluate(snapshot, nodesAfter, context.Projection.PodsOn, requestedAfter, options);

        return new Plan
        {
            Snapshot = snapshot,
            Now = now,
            Evictions = context.Evictions,
            Skipped = context.Skipped,
            Warnings = context.Warnings,
            Notes = context.Notes,
            PluginRuns = runs,
            RequestedBefore = context.Projection.Initial,
            RequestedAfter = requestedAfter,
            ConsideredNodes = context.Nodes,
            Consolidation = context.Consolidation,
            Spot = context.Spot,
            Drains = context.Drains,
            Scheduler = settings.Scheduler,
            HeadroomBefore = headroomBefore,
            HeadroomAfter = headroomAfter,
            Usage = usage,
        };
    }

    /// <summary>The snapshot's running pods per node: the cluster before the plan.</summary>
    private static PodsOnNode SnapshotPodsOn(ClusterSnapshot snapshot) => (node, into) =>
    {
        into.Clear();
        foreach (int p in snapshot.PodsOn(node))
        {
            if (snapshot.Pods.IsActive(p))
            {
                into.Add(p);
            }
        }
    };
}
