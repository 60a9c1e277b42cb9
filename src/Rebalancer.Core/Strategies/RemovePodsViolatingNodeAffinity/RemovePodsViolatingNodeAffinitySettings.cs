using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingNodeAffinity;

/// <summary>RemovePodsViolatingNodeAffinity args (descheduler-semantics §1.5).</summary>
public sealed record RemovePodsViolatingNodeAffinitySettings
{
    public const string Required = "requiredDuringSchedulingIgnoredDuringExecution";
    public const string Preferred = "preferredDuringSchedulingIgnoredDuringExecution";

    private static readonly string[] AllowedTypes = [Required, Preferred];

    /// <summary>The affinity kinds to check, in order; required and non-empty.</summary>
    public IReadOnlyList<string> NodeAffinityType { get; init; } = [];

    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    public LabelSelectorSpec? LabelSelector { get; init; }

    public static RemovePodsViolatingNodeAffinitySettings Bind(ArgsReader args)
    {
        PolicyNode? raw = args.Node?["nodeAffinityType"];

        // The descheduler logs and skips an unknown type at run time; here it is a load-time error (docs/compatibility.md).
        IReadOnlyList<string> types = args.StringList("nodeAffinityType", AllowedTypes) ?? [];
        if (raw is null || raw.Kind == PolicyNodeKind.Null || (raw.Kind == PolicyNodeKind.Sequence && raw.Items.Count == 0))
        {
            args.Problems.Add(args.FieldPath("nodeAffinityType"), $"nodeAffinityType needs to be set ({string.Join(" and/or ", AllowedTypes)})");
        }

        return new RemovePodsViolatingNodeAffinitySettings
        {
            NodeAffinityType = types,
            Namespaces = args.Namespaces("namespaces") ?? NamespacesSpec.All,
            LabelSelector = args.LabelSelector("labelSelector"),
        };
    }
}
