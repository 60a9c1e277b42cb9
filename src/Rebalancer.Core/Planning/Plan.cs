using Rebalancer.Core.Model;

namespace Rebalancer.Core.Planning;

/// <summary>One planned eviction, in execution order.</summary>
/// <param name="Pod">Pod index in the snapshot.</param>
/// <param name="Node">The node the pod is evicted from.</param>
/// <param name="TargetNode">Where the projection places the pod afterwards (-1 when no target was simulated).</param>
/// <param name="Reason">Why, with the numbers behind it (e.g. "3 replicas of dev/web on n1, fair share 2 over 3 feasible nodes").</param>
public sealed record PlannedEviction(int Pod, int Node, int TargetNode, string Profile, string Plugin, string Reason);

/// <summary>A pod a plugin considered and did not evict.</summary>
/// <param name="Reason">Machine-readable reason: <c>Protected:DaemonSet</c>, <c>NodeFit</c>, <c>Limit:PerNode</c>, <c>PDB</c>…</param>
/// <param name="Detail">The human explanation with its numbers.</param>
public sealed record SkippedPod(int Pod, string Profile, string Plugin, string Reason, string Detail);

/// <summary>Something a plugin could not do (e.g. metrics missing for a node), reported rather than guessed around.</summary>
public sealed record PlanWarning(string Profile, string Plugin, string Message);

/// <summary>Counts per plugin run, in run order.</summary>
public sealed record PluginRun(string Profile, string Plugin, ExtensionPoint Point, int Evictions, int Skips);

/// <summary>The result of planning: evictions in the order they would be executed, skips, and the projected cluster.</summary>
public sealed class Plan
{
    public required ClusterSnapshot Snapshot { get; init; }

    public required DateTimeOffset Now { get; init; }

    public required IReadOnlyList<PlannedEviction> Evictions { get; init; }

    public required IReadOnlyList<SkippedPod> Skipped { get; init; }

    public required IReadOnlyList<PlanWarning> Warnings { get; init; }

    public required IReadOnlyList<PluginRun> PluginRuns { get; init; }

    /// <summary>Why plugins did nothing or stopped early ("no node is underutilized"); informational, unlike warnings.</summary>
    public IReadOnlyList<PlanWarning> Notes { get; init; } = [];

    /// <summary>Requested resources per node before the plan (row-major, stride = resource count), non-terminal pods only.</summary>
    public required long[] RequestedBefore { get; init; }

    /// <summary>Requested resources per node after the plan, with evicted pods moved to their projected targets.</summary>
    public required long[] RequestedAfter { get; init; }

    /// <summary>The nodes the planner considered (Ready, matching the policy's nodeSelector), by index.</summary>
    public required IReadOnlyList<int> ConsideredNodes { get; init; }
}
