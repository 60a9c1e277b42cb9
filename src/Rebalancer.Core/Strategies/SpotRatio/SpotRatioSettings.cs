using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.SpotRatio;

/// <summary>SpotRatio args (docs/spot-and-headroom.md).</summary>
public sealed record SpotRatioSettings
{
    public const decimal DefaultMaxSpotFraction = 0.66m;

    /// <summary>The resources the spot share may be measured in.</summary>
    public static readonly IReadOnlyList<string> Resources = ["cpu", "memory"];

    /// <summary>Highest allowed share of the requested <see cref="Resource"/> on spot nodes, in [0, 1].</summary>
    public decimal MaxSpotFraction { get; init; } = DefaultMaxSpotFraction;

    /// <summary><c>cpu</c> (default) or <c>memory</c>.</summary>
    public string Resource { get; init; } = "cpu";

    /// <summary>Replicas each workload (controller owner with 2 or more replicas) keeps on on-demand nodes; capped at its replicas.</summary>
    public int MinOnDemandReplicas { get; init; } = 1;

    /// <summary>Pods that must not run on spot at all; null = none.</summary>
    public LabelSelectorSpec? OnDemandOnlySelector { get; init; }

    /// <summary>Extra nodes to treat as spot, ORed with the well-known capacity-type labels; null = the well-known labels only.</summary>
    public LabelSelectorSpec? SpotNodeSelector { get; init; }

    /// <summary>Reverse mode: move pods from on-demand to spot, up to the limit, when that empties on-demand nodes.</summary>
    public bool PreferSpot { get; init; }

    public NamespacesSpec EvictableNamespaces { get; init; } = NamespacesSpec.All;

    public static SpotRatioSettings Bind(ArgsReader args)
    {
        ArgumentNullException.ThrowIfNull(args);
        double? max = args.Number("maxSpotFraction", 0, 1);
        string? resource = args.String("resource", [.. Resources]);
        long? floor = args.Integer("minOnDemandReplicas", 0, int.MaxValue);
        LabelSelectorSpec? onDemandOnly = ReadSelector(args, "onDemandOnlySelector");
        LabelSelectorSpec? spotNodes = ReadSelector(args, "spotNodeSelector");
        bool preferSpot = args.Bool("preferSpot") ?? false;
        NamespacesSpec? namespaces = args.Namespaces("evictableNamespaces");
        return new SpotRatioSettings
        {
            MaxSpotFraction = max is double m ? Math.Round((decimal)m, 6) : DefaultMaxSpotFraction,
            Resource = resource ?? "cpu",
            MinOnDemandReplicas = floor is long f ? (int)f : 1,
            OnDemandOnlySelector = onDemandOnly,
            SpotNodeSelector = spotNodes,
            PreferSpot = preferSpot,
            EvictableNamespaces = namespaces ?? NamespacesSpec.All,
        };
    }

    /// <summary>A label selector as a string (<c>a=b,c in (d,e)</c>) or as matchLabels / matchExpressions.</summary>
    private static LabelSelectorSpec? ReadSelector(ArgsReader args, string key)
    {
        PolicyNode? node = args.Child(key);
        if (node is null)
        {
            return null;
        }

        if (node.Kind == PolicyNodeKind.Mapping)
        {
            LabelSelectorSpec? structured = ArgsReader.ReadLabelSelector(node, args.Problems);
            return structured is { Requirements.Count: 0 } ? null : structured;
        }

        if (node.Kind != PolicyNodeKind.Scalar)
        {
            args.Problems.Add(node, "must be a label selector string such as 'node-pool=spot' or a mapping with matchLabels / matchExpressions");
            return null;
        }

        string text = node.Scalar!;
        if (text.Trim().Length == 0)
        {
            return null;
        }

        if (!LabelSelectorSpec.TryParse(text, out LabelSelectorSpec selector, out string error))
        {
            args.Problems.Add(node, $"'{text}' is not a valid label selector: {error}");
            return null;
        }

        return selector;
    }
}
