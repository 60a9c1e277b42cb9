using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingInterPodAntiAffinity;

/// <summary>RemovePodsViolatingInterPodAntiAffinity args (descheduler-semantics §1.4).</summary>
public sealed record RemovePodsViolatingInterPodAntiAffinitySettings
{
    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    /// <summary>Restricts both the candidates and the pods that count as conflicts, as the descheduler's pod listing does.</summary>
    public LabelSelectorSpec? LabelSelector { get; init; }

    public static RemovePodsViolatingInterPodAntiAffinitySettings Bind(ArgsReader args) => new()
    {
        Namespaces = args.Namespaces("namespaces") ?? NamespacesSpec.All,
        LabelSelector = args.LabelSelector("labelSelector"),
    };
}
