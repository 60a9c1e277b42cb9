using System.Globalization;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;

/// <summary>NodeResourcesFit's <c>scoringStrategy.type</c>.</summary>
public enum ScoringStrategyType
{
    /// <summary>The default: the node with the most room left after the pod scores highest (spreads load).</summary>
    LeastAllocated,

    /// <summary>The fullest node scores highest (bin packing): what HighNodeUtilization and Consolidation need.</summary>
    MostAllocated,

    /// <summary>A piecewise-linear function of utilization (<c>shape</c>); packs or spreads depending on the shape.</summary>
    RequestedToCapacityRatio,
}

/// <summary>One point of a RequestedToCapacityRatio shape: utilization 0–100 (%), score 0–10.</summary>
public readonly record struct ShapePoint(int Utilization, int Score);

/// <summary>NodeResourcesFit's scoring args (kube-scheduler <c>NodeResourcesFitArgs.scoringStrategy</c>).</summary>
public sealed record NodeResourcesFitSettings
{
    public static readonly NodeResourcesFitSettings Default = new();

    public ScoringStrategyType Type { get; init; } = ScoringStrategyType.LeastAllocated;

    public IReadOnlyList<ResourceWeight> Resources { get; init; } = ResourceWeight.CpuAndMemory;

    /// <summary>The shape of RequestedToCapacityRatio, by increasing utilization; empty for the other types.</summary>
    public IReadOnlyList<ShapePoint> Shape { get; init; } = [];

    /// <summary>
    /// True when the score rises with utilization, so the scheduler fills nodes rather than spreading: MostAllocated, or a
    /// RequestedToCapacityRatio shape whose score ends higher than it starts.
    /// </summary>
    public bool Packs => Type == ScoringStrategyType.MostAllocated
        || (Type == ScoringStrategyType.RequestedToCapacityRatio && Shape.Count > 0 && Shape[^1].Score > Shape[0].Score);

    public static NodeResourcesFitSettings Bind(ArgsReader args)
    {
        foreach (string filterOnly in new[] { "ignoredResources", "ignoredResourceGroups" })
        {
            if (args.Child(filterOnly) is { } node)
            {
                args.Problems.Add(node, "is a filter setting of kube-scheduler that Rebalancer does not model (every requested resource is checked); remove it");
            }
        }

        var strategy = new ArgsReader(args.Child("scoringStrategy"), args.Problems, args.FieldPath("scoringStrategy"));
        string? type = strategy.String("type", Enum.GetNames<ScoringStrategyType>());
        IReadOnlyList<ResourceWeight>? resources = ResourceWeight.Read(strategy, "resources");
        var ratio = new ArgsReader(strategy.Child("requestedToCapacityRatio"), args.Problems, strategy.FieldPath("requestedToCapacityRatio"));
        List<ShapePoint> shape = ReadShape(ratio);
        ratio.RejectUnknown();
        strategy.RejectUnknown();

        ScoringStrategyType parsed = type is null ? ScoringStrategyType.LeastAllocated : Enum.Parse<ScoringStrategyType>(type);
        if (parsed == ScoringStrategyType.RequestedToCapacityRatio && shape.Count == 0 && ratio.Node?["shape"] is null)
        {
            args.Problems.Add(ratio.FieldPath("shape"), "is required with type RequestedToCapacityRatio (at least one {utilization, score} point)");
        }
        else if (parsed != ScoringStrategyType.RequestedToCapacityRatio && ratio.Node is not null)
        {
            args.Problems.Add(ratio.Path, $"is only used with type RequestedToCapacityRatio (type is {parsed})");
        }

        return new NodeResourcesFitSettings { Type = parsed, Resources = resources ?? ResourceWeight.CpuAndMemory, Shape = shape };
    }

    /// <summary>kube-scheduler's validateFunctionShape: utilization 0–100 strictly increasing, score 0–10.</summary>
    private static List<ShapePoint> ReadShape(ArgsReader ratio)
    {
        var shape = new List<ShapePoint>();
        PolicyNode? node = ratio.Child("shape");
        if (node is null)
        {
            return shape;
        }

        if (node.Kind != PolicyNodeKind.Sequence || node.Items.Count == 0)
        {
            ratio.Problems.Add(node, "must be a non-empty list of {utilization, score}");
            return shape;
        }

        foreach (PolicyNode item in node.Items)
        {
            var point = new ArgsReader(item, ratio.Problems, item.Path);
            long? utilization = point.Integer("utilization", 0, 100);
            long? score = point.Integer("score", 0, 10);
            point.RejectUnknown();
            if (point.Node is null)
            {
                continue;
            }

            if (utilization is null || score is null)
            {
                if (item["utilization"] is null)
                {
                    ratio.Problems.Add(point.FieldPath("utilization"), "is required (0 to 100)");
                }

                if (item["score"] is null)
                {
                    ratio.Problems.Add(point.FieldPath("score"), "is required (0 to 10)");
                }

                continue;
            }

            if (shape.Count > 0 && utilization <= shape[^1].Utilization)
            {
                ratio.Problems.Add(point.FieldPath("utilization"),
                    $"{utilization} does not increase (the previous point has {shape[^1].Utilization.ToString(CultureInfo.InvariantCulture)}); points must be sorted by increasing utilization");
                continue;
            }

            shape.Add(new ShapePoint((int)utilization, (int)score));
        }

        return shape;
    }

    public override string ToString()
    {
        string resources = string.Join(", ", Resources);
        return Type == ScoringStrategyType.RequestedToCapacityRatio
            ? $"{Type}: {resources}; shape {string.Join(" ", Shape.Select(p => $"{p.Utilization}%:{p.Score}"))}"
            : $"{Type}: {resources}";
    }
}
