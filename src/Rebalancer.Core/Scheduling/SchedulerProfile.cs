using Rebalancer.Core.Scheduling.Scoring;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;
using Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;

namespace Rebalancer.Core.Scheduling;

/// <summary>One score plugin of a profile with its weight and bound args.</summary>
public sealed record ScorePluginConfig(ScorePluginEntry Entry, int Weight, object Settings)
{
    public string Name => Entry.Name;

    public override string ToString()
    {
        string args = Settings.ToString() ?? string.Empty;
        return $"{Name} x{Weight}" + (args.Length == 0 ? string.Empty : $" ({args})");
    }
}

/// <summary>
/// The kube-scheduler scoring the projection assumes (docs/design/0006-scheduler-model.md): which score plugins run,
/// with which weights and args. Every projected move goes to the feasible node with the highest weighted sum of the
/// modelled plugins' normalised scores, ties to the lower node index. The default is kube-scheduler's default profile
/// of v1.29–v1.32 (the versions whose scoring defaults this model follows); a policy changes it with its top-level
/// <c>scheduler:</c> section.
/// </summary>
public sealed record SchedulerProfile
{
    /// <summary>kube-scheduler's default profile: every score plugin it enables, with its default weight and args.</summary>
    public static SchedulerProfile Default { get; } = new()
    {
        Name = DefaultName,
        Plugins = [.. ScorePluginCatalog.Entries.Where(e => e.InDefaultProfile).Select(e => new ScorePluginConfig(e, e.DefaultWeight, e.Defaults))],
        IsDefault = true,
    };

    public const string DefaultName = "kube-scheduler default (v1.29-v1.32)";

    /// <summary>A label for reports: the policy's <c>scheduler.name</c>, the default profile's, or "custom".</summary>
    public string Name { get; init; } = "custom";

    /// <summary>True when the plugins, weights and args are kube-scheduler's defaults.</summary>
    public bool IsDefault { get; init; }

    /// <summary>Every enabled score plugin, modelled or not, in kube-scheduler's plugin order.</summary>
    public IReadOnlyList<ScorePluginConfig> Plugins { get; init; } = [];

    /// <summary>The enabled plugins the model scores with.</summary>
    public IEnumerable<ScorePluginConfig> Modelled => Plugins.Where(p => p.Entry.IsModelled);

    /// <summary>The enabled plugins the model leaves out (they add nothing to a placement here).</summary>
    public IEnumerable<ScorePluginConfig> NotModelled => Plugins.Where(p => !p.Entry.IsModelled);

    /// <summary>
    /// PodTopologySpread's args: they shape its filter (DoNotSchedule default constraints) even when its score is
    /// disabled, as kube-scheduler's pluginConfig does.
    /// </summary>
    public PodTopologySpreadSettings Spreading { get; init; } = PodTopologySpreadSettings.Default;

    /// <summary>NodeResourcesFit's scoring, or null when the profile does not score resources with it.</summary>
    public NodeResourcesFitSettings? ResourceScoring =>
        Plugins.FirstOrDefault(p => p.Name == ScorePluginCatalog.NodeResourcesFitName)?.Settings as NodeResourcesFitSettings;

    /// <summary>
    /// True when the scheduler would fill nodes rather than spread pods: NodeResourcesFit scores MostAllocated (or a
    /// rising RequestedToCapacityRatio shape). HighNodeUtilization and Consolidation rely on it; with LeastAllocated the
    /// scheduler puts evicted pods on the emptiest nodes.
    /// </summary>
    public bool Packs => ResourceScoring?.Packs ?? false;

    /// <summary>One line for reports, in ASCII, e.g. <c>kube-scheduler default (v1.29-v1.32): TaintToleration x3, …</c>.</summary>
    public string Describe()
    {
        string modelled = string.Join(", ", Modelled);
        var notModelled = NotModelled.Select(p => $"{p.Name} x{p.Weight}").ToList();
        string text = $"{Name}: {(modelled.Length == 0 ? "no score plugin (ties go to the lower node index)" : modelled)}";
        return notModelled.Count == 0 ? text : $"{text}; not modelled: {string.Join(", ", notModelled)}";
    }
}
