using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Scheduling.Scoring.InterPodAffinity;

/// <summary>InterPodAffinity's args (kube-scheduler <c>InterPodAffinityArgs</c>).</summary>
public sealed record InterPodAffinitySettings
{
    public static readonly InterPodAffinitySettings Default = new();

    /// <summary>What an existing pod's required affinity term adds where it selects the pod being placed (0–100, default 1).</summary>
    public int HardPodAffinityWeight { get; init; } = 1;

    /// <summary>Ignore existing pods' preferred terms when the pod being placed has none of its own.</summary>
    public bool IgnorePreferredTermsOfExistingPods { get; init; }

    public static InterPodAffinitySettings Bind(ArgsReader args) => new()
    {
        HardPodAffinityWeight = (int)(args.Integer("hardPodAffinityWeight", 0, 100) ?? Default.HardPodAffinityWeight),
        IgnorePreferredTermsOfExistingPods = args.Bool("ignorePreferredTermsOfExistingPods") ?? Default.IgnorePreferredTermsOfExistingPods,
    };

    public override string ToString() =>
        $"hardPodAffinityWeight {HardPodAffinityWeight}" + (IgnorePreferredTermsOfExistingPods ? ", ignorePreferredTermsOfExistingPods" : string.Empty);
}
