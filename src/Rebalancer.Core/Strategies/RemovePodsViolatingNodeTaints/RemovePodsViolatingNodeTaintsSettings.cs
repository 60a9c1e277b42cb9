using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingNodeTaints;

/// <summary>RemovePodsViolatingNodeTaints args (descheduler-semantics §1.6).</summary>
public sealed record RemovePodsViolatingNodeTaintsSettings
{
    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    public LabelSelectorSpec? LabelSelector { get; init; }

    /// <summary>Also count <c>PreferNoSchedule</c> taints (by default only <c>NoSchedule</c>; <c>NoExecute</c> never).</summary>
    public bool IncludePreferNoSchedule { get; init; }

    /// <summary>Taints to ignore: <c>key</c> (any value) or <c>key=value</c>.</summary>
    public IReadOnlyList<string> ExcludedTaints { get; init; } = [];

    /// <summary>
    /// Only these taints count (<c>key</c> or <c>key=value</c>). Null counts every taint; an empty list counts none,
    /// as the descheduler's <c>IncludedTaints == nil</c> test does.
    /// </summary>
    public IReadOnlyList<string>? IncludedTaints { get; init; }

    public static RemovePodsViolatingNodeTaintsSettings Bind(ArgsReader args)
    {
        var settings = new RemovePodsViolatingNodeTaintsSettings
        {
            Namespaces = args.Namespaces("namespaces") ?? NamespacesSpec.All,
            LabelSelector = args.LabelSelector("labelSelector"),
            IncludePreferNoSchedule = args.Bool("includePreferNoSchedule") ?? false,
            ExcludedTaints = args.StringList("excludedTaints") ?? [],
            IncludedTaints = args.StringList("includedTaints"),
        };

        if (settings.ExcludedTaints.Count > 0 && settings.IncludedTaints is { Count: > 0 })
        {
            args.Problems.Add(args.FieldPath("includedTaints"), "either includedTaints or excludedTaints can be set, but not both");
        }

        return settings;
    }
}
