using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Scheduling.Scoring;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;

namespace Rebalancer.Testing.Planning;

/// <summary>Scheduler profiles for tests that need a scoring other than kube-scheduler's default.</summary>
public static class TestSchedulers
{
    /// <summary>Only NodeResourcesFit with <paramref name="type"/> (cpu and memory, weight 1): targets follow the resource score alone.</summary>
    public static SchedulerProfile ResourcesOnly(ScoringStrategyType type) => new()
    {
        Name = $"{type} only",
        Plugins = [Fit(type, 1)],
    };

    /// <summary>kube-scheduler's default profile with NodeResourcesFit scoring <paramref name="type"/> instead of LeastAllocated.</summary>
    public static SchedulerProfile DefaultWith(ScoringStrategyType type) => SchedulerProfile.Default with
    {
        Name = $"default with {type}",
        IsDefault = false,
        Plugins = [.. SchedulerProfile.Default.Plugins.Select(p => p.Name == ScorePluginCatalog.NodeResourcesFitName ? Fit(type, p.Weight) : p)],
    };

    /// <summary>No score plugin at all: the first feasible node (by index) wins, the model's tie rule.</summary>
    public static SchedulerProfile None { get; } = new() { Name = "no scoring", Plugins = [] };

    private static ScorePluginConfig Fit(ScoringStrategyType type, int weight) =>
        new(ScorePluginCatalog.Find(ScorePluginCatalog.NodeResourcesFitName)!, weight, NodeResourcesFitSettings.Default with { Type = type });
}
