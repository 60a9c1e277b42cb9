using Rebalancer.Core.Model;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingTopologySpreadConstraint;

/// <summary>RemovePodsViolatingTopologySpreadConstraint args (descheduler-semantics §1.7).</summary>
public sealed record RemovePodsViolatingTopologySpreadConstraintSettings
{
    private static readonly string[] ConstraintActions = [nameof(UnsatisfiableConstraintAction.DoNotSchedule), nameof(UnsatisfiableConstraintAction.ScheduleAnyway)];

    /// <summary>Namespaces whose constraints are balanced (a namespace is all or nothing: spreading is namespace-scoped).</summary>
    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    /// <summary>Restricts the pods whose constraints are balanced and the pods that may be evicted; it does not change the counts.</summary>
    public LabelSelectorSpec? LabelSelector { get; init; }

    /// <summary>The <c>whenUnsatisfiable</c> values acted on; <c>[DoNotSchedule]</c> by default.</summary>
    public IReadOnlyList<UnsatisfiableConstraintAction> Constraints { get; init; } = [UnsatisfiableConstraintAction.DoNotSchedule];

    /// <summary>An evicted pod must land in a domain below the average (true, the default); otherwise in any domain at least two pods smaller.</summary>
    public bool TopologyBalanceNodeFit { get; init; } = true;

    public static RemovePodsViolatingTopologySpreadConstraintSettings Bind(ArgsReader args)
    {
        NamespacesSpec? namespaces = args.Namespaces("namespaces");
        LabelSelectorSpec? selector = args.LabelSelector("labelSelector");
        IReadOnlyList<string>? constraints = args.StringList("constraints", ConstraintActions);
        if (args.Child("constraints") is { Kind: PolicyNodeKind.Sequence, Items.Count: 0 } empty)
        {
            // The descheduler would act on no constraint at all; leaving the key out gives the default.
            args.Problems.Add(empty, $"must list at least one of {string.Join(", ", ConstraintActions)} (leave it out for the default [DoNotSchedule])");
        }

        bool? nodeFit = args.Bool("topologyBalanceNodeFit");
        if (args.Child("includeSoftConstraints") is PolicyNode soft)
        {
            args.Problems.Add(soft, "is the descheduler/v1alpha1 parameter; use constraints: [DoNotSchedule, ScheduleAnyway]");
        }

        return new RemovePodsViolatingTopologySpreadConstraintSettings
        {
            Namespaces = namespaces ?? NamespacesSpec.All,
            LabelSelector = selector,
            Constraints = constraints is { Count: > 0 }
                ? constraints.Select(Enum.Parse<UnsatisfiableConstraintAction>).Distinct().ToArray()
                : [UnsatisfiableConstraintAction.DoNotSchedule],
            TopologyBalanceNodeFit = nodeFit ?? true,
        };
    }
}
