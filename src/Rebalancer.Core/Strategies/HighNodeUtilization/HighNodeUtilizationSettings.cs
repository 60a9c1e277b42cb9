using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies.NodeUtilization;

namespace Rebalancer.Core.Strategies.HighNodeUtilization;

/// <summary>HighNodeUtilization args (descheduler-semantics §1.3).</summary>
public sealed record HighNodeUtilizationSettings
{
    public const string OnlyThresholdingResources = "OnlyThresholdingResources";

    public ResourceThresholds Thresholds { get; init; } = ResourceThresholds.Empty;

    public int NumberOfNodes { get; init; }

    /// <summary>With <see cref="OnlyThresholdingResources"/>, only pods requesting a threshold resource are evicted.</summary>
    public bool OnlyThresholdingResourcesMode { get; init; }

    public NamespacesSpec EvictableNamespaces { get; init; } = NamespacesSpec.All;

    /// <summary>
    /// Rebalancer's extension (not in the descheduler): in <c>rebalancer run</c>, cordon each underutilized node the plan
    /// empties right before its first eviction, so the scheduler cannot put pods back on it (docs/policy.md). Off by
    /// default, as the descheduler never cordons; needs <c>patch nodes</c>.
    /// </summary>
    public bool Cordon { get; init; }

    /// <summary>With <see cref="Cordon"/>: uncordon a node whose drain did not complete.</summary>
    public bool UncordonOnIncompleteDrain { get; init; } = true;

    public static HighNodeUtilizationSettings Bind(ArgsReader args)
    {
        ResourceThresholds? thresholds = ResourceThresholds.Read(args, "thresholds");
        if (thresholds is null || thresholds.Count == 0)
        {
            args.Problems.Add(args.FieldPath("thresholds"), "is required and must not be empty, e.g. {cpu: 20, memory: 20}");
        }

        IReadOnlyList<string> modes = args.StringList("evictionModes", [OnlyThresholdingResources]) ?? [];
        return new HighNodeUtilizationSettings
        {
            Thresholds = thresholds ?? ResourceThresholds.Empty,
            NumberOfNodes = (int)(args.Integer("numberOfNodes", 0, int.MaxValue) ?? 0),
            OnlyThresholdingResourcesMode = modes.Contains(OnlyThresholdingResources),
            EvictableNamespaces = args.Namespaces("evictableNamespaces", allowInclude: false) ?? NamespacesSpec.All,
            Cordon = args.Bool("cordon") ?? false,
            UncordonOnIncompleteDrain = args.Bool("uncordonOnIncompleteDrain") ?? true,
        };
    }
}
