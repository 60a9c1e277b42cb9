using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies.RemoveFailedPods;

/// <summary>RemoveFailedPods args (descheduler-semantics §1.10).</summary>
public sealed record RemoveFailedPodsSettings
{
    /// <summary>SetDefaults_RemoveFailedPodsArgs's default.</summary>
    public const uint DefaultMinPodLifetimeSeconds = 3600;

    /// <summary>A failed pod must be at least this old (seconds since creationTimestamp); null disables the check.</summary>
    public uint? MinPodLifetimeSeconds { get; init; } = DefaultMinPodLifetimeSeconds;

    /// <summary>Failed pods with an owner of one of these kinds are kept (e.g. Job, whose failed pods carry its history).</summary>
    public IReadOnlyList<string> ExcludeOwnerKinds { get; init; } = [];

    /// <summary>When set, a container's waiting/terminated reason or the pod's status reason must be one of these.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>When set, a terminated container must have exited with one of these codes.</summary>
    public IReadOnlyList<int> ExitCodes { get; init; } = [];

    /// <summary>Init containers' reasons and exit codes count too.</summary>
    public bool IncludingInitContainers { get; init; }

    public NamespacesSpec Namespaces { get; init; } = NamespacesSpec.All;

    public LabelSelectorSpec? LabelSelector { get; init; }

    public static RemoveFailedPodsSettings Bind(ArgsReader args)
    {
        long? minAge = args.Integer("minPodLifetimeSeconds", 0, uint.MaxValue);
        return new RemoveFailedPodsSettings
        {
            // Absent (or null) takes the default; an invalid value is reported and the default kept.
            MinPodLifetimeSeconds = minAge is long m ? (uint)m : DefaultMinPodLifetimeSeconds,
            ExcludeOwnerKinds = args.StringList("excludeOwnerKinds") ?? [],
            Reasons = args.StringList("reasons") ?? [],
            ExitCodes = (args.IntegerList("exitCodes", int.MinValue, int.MaxValue) ?? []).Select(c => (int)c).ToList(),
            IncludingInitContainers = args.Bool("includingInitContainers") ?? false,
            Namespaces = args.Namespaces("namespaces") ?? NamespacesSpec.All,
            LabelSelector = args.LabelSelector("labelSelector"),
        };
    }
}
