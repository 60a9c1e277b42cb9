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
        };
    }
}
