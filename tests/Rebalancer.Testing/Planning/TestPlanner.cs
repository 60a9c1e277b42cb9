using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Testing.Planning;

/// <summary>Plans a snapshot with one profile, for strategy tests.</summary>
public static class TestPlanner
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    public static Plan Plan(ClusterSnapshot snapshot, IStrategy strategy, DefaultEvictorSettings? evictor = null, PlanningSettings? settings = null, ExtensionPoint point = ExtensionPoint.Balance)
    {
        settings ??= new PlanningSettings();
        var profile = new PlanningProfile("test", evictor ?? DefaultEvictorSettings.Default,
            point == ExtensionPoint.Deschedule ? [strategy] : [],
            point == ExtensionPoint.Balance ? [strategy] : []);
        return Planner.Create(snapshot, settings with { Profiles = [profile] }, Now);
    }

    public static IReadOnlyList<string> EvictedNames(this Plan plan) =>
        plan.Evictions.Select(e => plan.Snapshot.Pods.Name[e.Pod]).ToList();

    public static IReadOnlyList<string> SkipReasonsOf(this Plan plan, string podName) =>
        plan.Skipped.Where(s => plan.Snapshot.Pods.Name[s.Pod] == podName).Select(s => s.Reason).ToList();
}
