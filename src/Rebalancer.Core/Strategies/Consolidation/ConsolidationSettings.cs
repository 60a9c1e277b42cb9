using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.Consolidation;

/// <summary>Consolidation args (docs/design/0003-consolidation.md).</summary>
public sealed record ConsolidationSettings
{
    /// <summary>Nodes drained per run: a count or a percentage of the pool (default 10%, Karpenter's default disruption budget).</summary>
    public IntOrPercent MaxNodesPerRun { get; init; } = new(10, IsPercent: true);

    /// <summary>Nodes whose requested cpu or memory is above this percentage are not candidates.</summary>
    public decimal MinUtilizationToKeep { get; init; } = 50;

    /// <summary>Restricts the pool (candidates and the node counts) to matching nodes, e.g. one node pool.</summary>
    public LabelSelectorSpec? NodeSelector { get; init; }

    /// <summary>Node label whose value is the node's price (any unit); the objective then maximises the price freed.</summary>
    public string? PriceLabel { get; init; }

    /// <summary>Node annotation whose value is the node's price; exclusive with <see cref="PriceLabel"/>.</summary>
    public string? PriceAnnotation { get; init; }

    /// <summary>
    /// The search budget in fit evaluations. The core reads no clock, so the budget is counted in work, not time:
    /// the result is the same on every machine. The plan reports the steps it used (ConsolidationSummary.SearchSteps).
    /// </summary>
    public long MaxSearchSteps { get; init; } = 20_000_000;

    /// <summary>Never plan a state that fails the N-1 node check when the cluster passed it before.</summary>
    public bool KeepNodeLossHeadroom { get; init; } = true;

    /// <summary>
    /// Cordon each drained node right before its evictions, so the evicted pods cannot be scheduled back onto it (on by
    /// default: an uncordoned node being emptied is the emptiest in its pool, where a LeastAllocated scheduler puts the
    /// replacement pods). The plan only marks the nodes; <c>rebalancer run</c> sends the PATCH (it needs <c>patch nodes</c>).
    /// Off, every report warns that the pods may land back.
    /// </summary>
    public bool Cordon { get; init; } = true;

    /// <summary>
    /// With <see cref="Cordon"/>: uncordon a node whose drain did not complete, so no half-drained node stays cordoned.
    /// Without it the arg has no effect (not an error, so turning cordon off is a one-line change).
    /// </summary>
    public bool UncordonOnIncompleteDrain { get; init; } = true;

    public static ConsolidationSettings Bind(ArgsReader args)
    {
        var settings = new ConsolidationSettings();
        IntOrPercent maxNodes = settings.MaxNodesPerRun;
        PolicyNode? maxNode = args.Child("maxNodesPerRun");
        if (maxNode is not null)
        {
            if (maxNode.Kind == PolicyNodeKind.Scalar && maxNode.Scalar!.EndsWith('%')
                && int.TryParse(maxNode.Scalar.AsSpan(0, maxNode.Scalar.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int percent) && percent is >= 1 and <= 100)
            {
                maxNodes = new IntOrPercent(percent, IsPercent: true);
            }
            else if (maxNode.Kind == PolicyNodeKind.Scalar && !maxNode.IsQuoted && int.TryParse(maxNode.Scalar, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1)
            {
                maxNodes = new IntOrPercent(count, IsPercent: false);
            }
            else
            {
                args.Problems.Add(maxNode, $"'{maxNode}' is not a node count >= 1 or a percentage like \"10%\" (1% to 100%)");
            }
        }

        LabelSelectorSpec? selector = null;
        if (args.String("nodeSelector") is string text)
        {
            if (LabelSelectorSpec.TryParse(text, out LabelSelectorSpec parsed, out string error))
            {
                selector = parsed;
            }
            else
            {
                args.Problems.Add(args.FieldPath("nodeSelector"), $"'{text}' is not a label selector: {error}");
            }
        }

        string? priceLabel = args.String("priceLabel");
        string? priceAnnotation = args.String("priceAnnotation");
        if (priceLabel is not null && priceAnnotation is not null)
        {
            args.Problems.Add(args.FieldPath("priceAnnotation"), "only one of priceLabel and priceAnnotation can be set");
        }

        return settings with
        {
            MaxNodesPerRun = maxNodes,
            MinUtilizationToKeep = args.Number("minUtilizationToKeep", 0, 100) is double min ? (decimal)min : settings.MinUtilizationToKeep,
            NodeSelector = selector,
            PriceLabel = priceLabel,
            PriceAnnotation = priceAnnotation,
            MaxSearchSteps = args.Integer("maxSearchSteps", 1_000, long.MaxValue) ?? settings.MaxSearchSteps,
            KeepNodeLossHeadroom = args.Bool("keepNodeLossHeadroom") ?? settings.KeepNodeLossHeadroom,
            Cordon = args.Bool("cordon") ?? settings.Cordon,
            UncordonOnIncompleteDrain = args.Bool("uncordonOnIncompleteDrain") ?? settings.UncordonOnIncompleteDrain,
        };
    }
}
